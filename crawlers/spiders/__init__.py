"""Candor's spiders, one per forum platform, found by name through ``SPIDER_MODULES``."""
