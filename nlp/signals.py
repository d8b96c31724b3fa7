"""Post-level signals: the judgements that make a thread worth showing, each with its evidence.

A signal is a named, versioned function registered with :func:`signal` (``candor.gratitude.v5``),
spaCy-style: the name is stored on every annotation it makes, so a changed rule is a new version
and re-computes only its own annotations. A signal reads one post's sentences and its author's
role and returns a :class:`Finding` (value, confidence and the sentences that show it) or None.

The rules here are cue patterns applied per sentence, with exclusions for the look-alikes the dev
set showed (thanks in advance, sympathy without owning a fault, negated fixes). Their precision
and recall on the labelled dev set are reported by ``candor eval``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from nlp.heads import Learned
from nlp.language import judgeable
from nlp.roles import COMMUNITY, OPENER, STAFF
from nlp.sentences import Span

_STRAIGHT = str.maketrans({"\u2019": "'", "\u2018": "'"})


@dataclass(frozen=True)
class PostView:
    """One post as the signals see it; ``learned`` holds the verdicts of trained heads."""

    text: str
    sentences: list[Span]
    role: str
    number: int
    learned: dict[str, Learned] = field(default_factory=dict)
    language: str | None = None

    def sentence_texts(self) -> list[tuple[Span, str]]:
        """Each sentence's span and text, apostrophes straightened: forums curl "we’ve"."""
        return [((s, e), self.text[s:e].translate(_STRAIGHT)) for s, e in self.sentences]


@dataclass(frozen=True)
class Finding:
    kind: str
    value: object
    score: float
    spans: list[Span]


SignalFn = Callable[[PostView], Finding | None]


@dataclass(frozen=True)
class Signal:
    name: str
    kind: str
    roles: frozenset[str]
    func: SignalFn


REGISTRY: dict[str, Signal] = {}


def signal(name: str, kind: str, roles: set[str]) -> Callable[[SignalFn], SignalFn]:
    """Register ``func`` as the signal ``name`` producing annotations of ``kind``."""

    def register(func: SignalFn) -> SignalFn:
        REGISTRY[name] = Signal(name, kind, frozenset(roles), func)
        return func

    return register


def judge(post: PostView, names: Collection[str] | None = None) -> list[tuple[str, Finding]]:
    """Every registered signal (of ``names``, when given) that applies to the post's role and
    fires, by name. Enrichment passes ``names`` to re-run only the signals whose version changed.

    Posts in a language the (English) cues cannot read get no signal at all.
    """
    if not judgeable(post.language):
        return []
    return [
        (name, finding)
        for name, sig in REGISTRY.items()
        if (names is None or name in names)
        and post.role in sig.roles
        and (finding := sig.func(post)) is not None
    ]


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


def _matching(post: PostView, cue: re.Pattern[str], veto: re.Pattern[str]) -> list[Span]:
    return [
        span
        for span, sentence in post.sentence_texts()
        if cue.search(sentence) and not veto.search(sentence)
    ]


THANKS = _rx(
    r"\bthank'?(s| you| u)\b",
    r"\bthx\b",
    r"\bty\b(?!pe)",
    r"\bmuch appreciated\b",
    r"\bi (really |greatly |truly |so much |very much )?appreciate (it|that|this|your|the|all)\b",
    r"\bgrateful\b",
    r"\bkudos\b",
    r"\b(great|good|nice|awesome) (job|work)\b",
    r"\byou('re| are) (a|the|my) (star|hero|legend|life ?saver)\b",
    r"\bcheers\b.*\b(help|tip|fix)",
)
NOT_THANKS = _rx(
    r"thanks? (you )?(in advance|beforehand|ahead)",
    r"\bthanks? (you )?for (reading|listening|your (time|attention|consideration)|any\b)",
    r"\bthanks? (you )?((so )?much |a lot )?for (the|your) (report|reporting|feedback|suggestion|"
    r"patience|understanding|request|idea|input)",
    r"\bthanks? for nothing\b",
    r"\bthanks? (you )?for (your |the |this |that )?(nonsense|useless|pointless|unhelpful|"
    r"condescending|rude|snarky)\b",  # sarcasm
    r"\bthanks to (a|an|its|this|that)\b",  # "thanks to a backup": a cause, not credit
    # "faster thanks to the keyboard": "thanks to" inside a clause names a cause
    r"\b(?!(many|big|huge|special|massive|a|and|also|again|so|warm|heartfelt|my|sincere|our)\b)"
    r"\w+ thanks to (?!(you|your|u|@|everyone|all|whoever|him|her|them|the (person|people|devs?|"
    r"developers?|team|staff|support|mods?|moderators?|community|author))\b)",
    r"\bno,? thanks?\b",
    r"\bthanks? anyway",
    r"\b(would|'d) (be (great|nice|grateful|helpful|awesome|good)|appreciate)\b",
    r"\bif (you|anyone|someone)\b.*\b(appreciate|thank)",
    r"\bappreciate (any|some) (help|advice|ideas?|input)",
    r"\?\s*$",
)


# A thank-you formula alone in its sentence: "Thanks!", "Thank you all." Not "thanks again":
# that one looks back at help already given.
BARE_THANKS = _rx(
    r"^\W*(many |big )?(thanks|thank (you|u)|thx|ty|cheers)"
    r"( (a lot|so much|very much|all|everyone|guys|folks))?\W*$"
)


# v5: thanks in other words ("cheers for that", "props to the devs", "you're a lifesaver",
# "merci"), under a stricter veto: in advance, cause ("thanks to the update it is slower"), "but",
# sarcasm. Written from invented replies (tests/data/synthetic/), checked on tune.
THANKS_IN_OTHER_WORDS = _rx(
    r"\bcheers\b(?! (to|and) (the|a) (new|next))",
    r"\b(props|kudos|shout ?out|big shout|hats off|bravo|well done|much love|mad respect)\b",
    r"\b(respect|credit|credits) (to|goes to|for) [\w@]",
    r"\bcredit where credit('s| is) due\b",
    r"(^\W*|\bi |\bwe |\breally |\btruly |\bgreatly |\bso |\bmuch )appreciated?\b",
    r"\bappreciated? (it|you|that|this|the|your|all|everyone)\b",
    r"\b(i |we )?(really |greatly |truly )?(owe you|you saved|saved my|made my day|"
    r"you('re| are) a (genius|legend|star|hero|life ?saver|gem))",
    r"\b(legend|legendary|lifesaver|life saver|genius|you rock|you guys rock|nailed it|bless you|"
    r"god bless)\b",
    r"\b(much obliged|ta very much|tysm|tyvm|thank ya|thankyou|thnx|thanx|tnx|thks)\b",
    r"^\W*ta\b|\bta\W*$",
    r"\b(my hero|you('re| are) the best|owe (you|the \w+|him|her|them)\b)",
    r"\bthank @\w|\b(have|want|wanted|need|must|got) to thank\b",
    r"\b(danke|merci|grazie|gracias|obrigad[oa]|dank je|tack|spasibo|dziękuję)\b",
    r"\b(good|great|nice) (call|tip|shout|one|catch|find|spot)\b",
    r"\b(really |so )?thankful\b",
    r"\bdeserve[sd]? (a|an) (medal|beer|raise|award)\b",
)
NOT_CREDIT = _rx(
    NOT_THANKS.pattern,
    r"\b(in advance|in adv|in anticipation|beforehand)\b",
    r"\b(any|some) (help|tips?|hints?|advice|pointers?|ideas?|input|replies|answers?)\b",
    r"\b(would|could|'d) (be|appreciate|love|like|help|you|someone|anyone|really)\b",
    r"\bif (you|anyone|someone|somebody)\b",
    r"\b(\w+n't|not|never) appreciate",
    r"\bthanks? (you )?for (looking|taking the time|reading|posting|flagging|raising|bringing|"
    r"the mention|trying)\b",
    r"\b(thanks?|cheers|ta)\W+(but|though)\b|\b(all the same|though)\b",
    r"\bthanks to (the |version |auto|a |an |\d)(\w+ )?(update|version|release|redesign|"
    r"optimi[sz]er|upgrade|change|backup|firmware|bug|\d)",
    r"\b(worse|nobody asked|as if|i guess|yeah right|oh (great|sure|wonderful|yay)|so kind of you|"
    r"best update ever|for the gift)\b",
    r"\bthanks?( \w+){0,3} for (breaking|deleting|removing|hiding|cutting|forcing|nothing)\b",
    r"\b(still|again)\b.*\b(can't|cannot|crash\w*|fail\w*|broken|drops?)\b",
)


@signal("candor.gratitude.v5", kind="gratitude", roles={OPENER, COMMUNITY})
def gratitude(post: PostView) -> Finding | None:
    """Thanks or credit to someone in the thread — not "thanks in advance", not politeness.

    v3: a bare "Thanks!" closing a post that asks a question thanks in advance. v4: "thank's"
    (a common misspelling) counts; "thanks for your nonsense reply" is sarcasm. v5: thanks in
    other words (``THANKS_IN_OTHER_WORDS``).
    """
    if post.number == 1:
        return None
    spans = _matching(post, THANKS, NOT_THANKS) or _matching(
        post, THANKS_IN_OTHER_WORDS, NOT_CREDIT
    )
    if not spans or _signs_off_a_question(post, spans):
        return None
    return Finding("gratitude", True, 0.9, spans)


def _signs_off_a_question(post: PostView, thanks: list[Span]) -> bool:
    """Every thanks is a bare formula after the post's last question: a sign-off, not credit."""
    sentences = post.sentence_texts()
    questions = [span for span, text in sentences if text.rstrip().endswith("?")]
    bare = {span for span, text in sentences if BARE_THANKS.search(text)}
    return bool(questions) and all(t in bare and t[0] > questions[-1][0] for t in thanks)


SOLVED = _rx(
    r"(^|[,;:!]\s*|\b(and|so|now|yes|ok|okay|great|perfect|thanks|awesome)\W+)"
    r"(that|this|it|which|your (suggestion|tip|fix|solution|advice)) (has |really |totally )?"
    r"(worked|did it|did the trick|fixed it|solved it|works)\b",
    r"\b(works|working|worked) (now|again|fine now|perfectly now|as (described|expected))\b",
    r"\b(now|finally) (it |everything )?(works|working)\b",
    r"\b(problem|issue|bug|it)('s| is| was| has been| got| seems to be| appears to be)? "
    r"(now |fully |finally )?"
    r"(solved|fixed|resolved|gone|obsolete)\b",
    r"\b(fully|completely|finally) (fixed|solved|resolved)\b",
    r"\bno longer (a problem|an issue|happening|occurs)\b",
    r"\ball (good|sorted|working) now\b",
    r"\bexactly what i (needed|was looking for)\b",
    r"\bthat('s| was) (it|the (problem|issue|fix|solution|trick))\b",
    r"\b(managed|(was|were) (finally |eventually )?able) to (fix|solve|get it|re-?register|"
    r"restore|link|register|sign ?up|log ?in)",
    r"\b(and )?voil[aà]\b",
    r"\b(i|we) (finally |just )?(fixed|solved|resolved|sorted) "
    r"(it|this|that|the (problem|issue))\b",
    r"\b(figured|worked) (it|this) out\b",
    r"\b(found|got) (a|the) (solution|fix)\b",
    r"\b(cured|fixed|solved|resolved) (it|the (problem|issue))\b",
    r"\bconfirm(ed)? (that )?(this|it) (works|worked)\b",
    r"\b(i|we|and) (can |have |just )?confirm(ed)? (that )?.{0,60}\b(works|is working|can be \w+ed|"
    r"is (now )?(fixed|possible|available))\b",
    r"\b(this|that|it|which) (solves|solved|fixes|fixed) (my|the) (issue|problem)\b",
    r"\b(repair|transfer|migration|restore|update|reinstall\w*) (was|is) a success\b",
    r"\b(say|saying|said|report) (that )?it worked\b",
    r"\b(is|was|'s) (now )?(working|fine) (fine |perfectly )?(again|now|after)\b",
    r"\bnow (it|signal|everything|the app)('s| is) (working|fine)\b",
)
NOT_SOLVED = _rx(
    r"\b(not|n't|never(?! mind)|no longer|still)\b.{0,25}"
    r"\b(work|fix|solv|solu|help|resolv|found|figur)",
    r"\bdid ?n.t\b",
    r"\bno \w+ (has|have|had|did|could|would|will) (ever )?(solv|fix|help|resolv)",
    r"\bif (it|that|this)\b",
    r"\?\s*$",
    r"\bhopefully\b",
    r"\bwill (try|test)\b",
)


@signal("candor.solved_confirmation.v3", kind="solved_confirmation", roles={OPENER})
def solved_confirmation(post: PostView) -> Finding | None:
    """The opener says their problem is solved ("that worked", "fixed after the update").

    v3: "this solves my issue", "the problem seems to be solved", "I can confirm that the album
    can be accessed", "the repair was a success"; "no update has solved the problem" is a
    negation.
    """
    if post.number == 1:
        return None
    spans = _matching(post, SOLVED, NOT_SOLVED)
    return Finding("solved_confirmation", True, 0.85, spans) if spans else None


# A bug "in Android" or "with your VPN" is someone else's: not an admission.
NOT_THEIRS = r"(?! (in|with) (android|ios|apple|google|the os|windows|macos|linux|your))"
ADMISSION = _rx(
    # owning the fault
    r"\b(our|my) (mistake|fault|bad|error|oversight|bug|regression)\b",
    r"\b(we|i) (accidentally |inadvertently |unfortunately |indeed )?"
    r"(broke|introduced|caused|messed up|screwed up|missed|forgot|overlooked|regressed|"
    r"shipped a bug)\b",
    r"\b(good|nice|great) catch\b",
    r"\bthanks? (you )?for (catching|spotting|noticing|pointing (this |that |it |these )?out)\b",
    r"\bunintended (consequence|side effect|behaviou?r|change)\b",
    r"\b(apologies|sorry) for the (mix[- ]?up|confusion|mistake|error|regression|bug)\b",
    # acknowledging a bug as ours
    r"\b(this|that|it)( is|'s| was| looks like| seems to be)( indeed| definitely)? "
    rf"(a|an|our) (bug|regression|mistake|oversight)\b{NOT_THEIRS}",
    rf"\b(a |an )?known (issue|bug|problem)\b{NOT_THEIRS}",
    r"\b(caused|introduced) by (a|an|our|the) (recent )?(change|update|bug|regression)\b",
    r"\byou('re| are) (right|correct)\b.*\b(bug|mistake|broken|wrong|should(n't| not))\b",
    r"\b(we|i)('ve| have| am|'m| are|'re)? (now |also )?(able to )?(confirm(ed)?|reproduc(e|ed))\b",
    r"\b(found|identified|tracked down) (the|an|one of the|a) (issues?|bugs?|problems?|causes?)\b",
    r"\bthere (was|is) (an|a) (issue|bug|problem) (that|which|causing|in our)\b",
    r"\b(seen|see|noticed) (this|the same|it) internally\b",
    r"\bsorry (about|for) (that|this|the (bug|crash(es)?|issue|regression|failure))\b.*"
    r"\b(fix|fixed|caused|issue)\b",
    # committing to or announcing the fix of that fault
    r"\b(a |the )?fix (is|has been|was) (coming|on (its|the) way|in (the )?(works|progress)|"
    r"(being )?(merged|implemented|prepared))\b",
    r"\bstay tuned for a fix\b",
    r"\b(we|i)('ll| will) (get (a |it |this |that |them )?(fix(ed)?|sorted)|fix)\b",
    r"\b(should|will) have (that|this|it) fixed\b",
    r"\b(we|i)('re| are|'m| am) (working on|in the process of) (fixing|a fix)\b",
    r"\bwill (address|fix|resolve) (this|the|that) (issue|bug|problem|crash)\b",
    r"\b(include[sd]?|including|contains?) (a|the) fix\b",
    r"^will fix\b",
    r"\b(we|i)('ve| have)? (just )?(fixed|corrected|resolved|pushed a fix)\b",
    r"\b(has|have) (now )?been (fixed|corrected|resolved)\b",
    r"\b(this|that|it) is (now )?(fixed|resolved) in\b",
    r"\b(should|will) (be )?(fix(ed)?|address(ed)?|resolve[sd]?) (in|by|with) (the )?"
    r"(next|upcoming|latest|new|beta|\d)",
    r"\b(latest|next|new) (beta|build|release|update)\b.*\bshould (fix|address|resolve)\b",
)
NOT_ADMISSION = _rx(
    r"\b(not|isn't|is not|wasn't|no) (a |an )?(bug|mistake|regression)\b",
    r"\b(works|working) as (intended|designed|expected)\b",
    r"\b(can('t|not)|could(n't| not)|unable to|haven't been able to)\b.{0,20}"
    r"\b(reproduce|confirm)\b",
    r"\bsorry (you('re| are)|to hear)\b",
    r"^\s*(\*|-|•)?\s*(fixed|fix(es)?|improved|changed|added)\b",
    r"\bif (this|it) is\b",
    r"\?\s*$",
)


# v4: owning a fault in other words. A company voice ("we", "our", "the devs") within a few words
# of a fault ("broke", "regression", "by mistake"), or a bug confirmed, reproduced or traced to a
# change of theirs. Written from invented staff sentences (tests/data/synthetic/), checked on tune.
COMPANY = (
    r"(\b(we|we've|we're|we'd|our|ours|us)\b|\bthe (team|devs|developers)\b|"
    r"\b(dev|developer)s? here\b|\bi('ve| have)? (just )?(checked|found|tracked|traced|looked))"
)
FAULT = (
    r"\b(bugs?|regression|mistakes?|mistaken(ly)?|erroneous(ly)?|incorrect(ly)?|wrong(ly)?|"
    r"fault(y)?|oversight|omissions?|omitted|overlooked|defect|broke|broken|leak|outage|glitch|slip|"
    r"culprit|by accident|accidental(ly)?|inadvertent(ly)?|misconfigur\w*|mislabel\w*|forgot|"
    r"should (never )?have|bad (build|release|deploy\w*|call|update|push)|lapse|shortcoming|typo|"
    r"off-by-one|regret\w*|goofed|messed up|screwed up|dropped the ball|"
    r"got (it|this|that|\w+) wrong)\b"
)
NEAR = r"(\W+[\w'-]+){0,5}?\W+"
OWNED_FAULT = re.compile(f"{COMPANY}{NEAR}{FAULT}|{FAULT}{NEAR}{COMPANY}", re.IGNORECASE)
CONFIRMED_FAULT = _rx(
    r"\b(bug|regression|defect|leak) (is )?(confirmed|verified|acknowledged|reproduced)\b",
    r"\b(confirmed|verified|acknowledged?)( (as|on|the|a|it|this|that|it's|it is|to be|our|here))* "
    r"(bug|regression|defect)\b",
    r"^\W*(confirmed|verified|reproduced)\b",
    r"\b(real|genuine|legit|legitimate|actual) (bug|regression|one|defect|leak)\b",
    r"\byou('ve| have)? (found|hit|discovered|spotted) (a |an )?(real |genuine |legit )?"
    r"(bug|one|regression)\b",
    r"\b(i|we|qa|team|devs)( \w+){0,3} "
    r"(reproduced|repro'?d?|can repro|(was|were) able to reproduce)\b",
    r"\breproduc(ed|ible|es) (here|internally|on (our|my|the team's) \w+|100|every time|reliably|"
    r"consistently)\b",
    r"\b(i|we) (can |could )?(see|seeing|confirm) (it|this|that|the (bug|crash|issue|problem)) "
    r"(too|as well|here|internally)\b",
    r"\b(is|was|'s) (a |an )?regression\b",
    r"\bregression (from|in|since|introduced|caused|with)\b",
    r"\b(oops|whoops|ooops|my bad|our bad|guilty as charged|hands up|mea culpa)\b",
    r"\b(caused|introduced|triggered|attributed|came|comes|coming|stems?|stemmed|resulted|results|"
    r"traced|tracked) (\w+ ){0,3}(by|from|to|in) (our|us)\b",
    r"\b(caused by|because of|due to|owing to|result of|cause was|culprit (is|was)) (a|an|the) "
    r"([\w-]+ ){1,3}(we|our team) (\w+ )?\w+ed\b",
    r"\b(is|was|'s|are|were|one's|one is) (on us|ours)\b",
    r"\b(that's|that is|this is|this one's|it's|it is) on us\b",
    r"\b(our|the) ([\w-]+ ){0,3}(is|was|are|were) (responsible|to blame|the culprit)\b",
    r"\b(was|were|been|got) ([\w-]+ ){1,3}(by mistake|in error|mistakenly|unintentionally|"
    r"inadvertently|accidentally)\b",
    r"\b(mistakenly|inadvertently|accidentally|unintentionally|erroneously) ([\w-]+ ){0,2}(shipped|"
    r"released|enabled|disabled|removed|left|set|changed|broke|introduced|published|deployed|compiled|"
    r"sent|uploaded|reset|applied|allowed|dropped)\b",
    r"\b(bug|drain|crash|crashes|issue|problem|regression|leak|glitch|freeze|lag) ([\w-]+ ){0,5}"
    r"(is|was|'s) (real|legit|genuine)\b",
    r"\b(i|we) (can|could) (now |also )?confirm "
    r"(it|this|that|the (bug|crash|issue|problem|regression))\b",
    r"\b(devs|developers|team|qa|engineers?|engineering) (have |has )?(now )?(confirmed|reproduced|"
    r"verified)\b",
    r"(?<!not )(?<!n't )\breproducible\b",
    r"\b(managed|able) to reproduce\b",
    r"\b(i|we)('ve| have)? (just |now )?reproduced\b",
    r"\b(we|i) (really )?should(n't| not| never)? have\b",
)
NOT_OWNED = _rx(
    NOT_ADMISSION.pattern,
    # a fault denied or supposed, not owned
    r"\b(not|\w+n't|never|no|without|any|if|whether|might|may|maybe|possibly|perhaps|"
    rf"could be|would be)\b( \w+){{0,4}} {FAULT}",
    rf"\b(if|whether|in case|unless)\b.*{FAULT}",
    # a slip in the forum reply itself ("my mistake, I misread your question")
    r"\b(misread|misunderstood|wrong (thread|person|post|link|topic)|i meant|replied to|tagged)\b",
)


@signal("candor.admission.v4", kind="admission", roles={STAFF})
def admission(post: PostView) -> Finding | None:
    """Staff owning a mistake ("that's a bug on our side"), not sympathy or release notes.

    The cue rules decide first; where none fires, the trained head (``nlp.heads``) may, citing
    the sentence it scored highest. v4: faults owned in other words (``OWNED_FAULT``,
    ``CONFIRMED_FAULT``), under stricter vetoes than the v3 cues.
    """
    if looks_like_release_note(post):
        return None
    spans = [
        span
        for span, sentence in post.sentence_texts()
        if any(cue.search(sentence) for cue in (ADMISSION, OWNED_FAULT, CONFIRMED_FAULT))
        and not NOT_OWNED.search(sentence)
    ]
    if spans:
        return Finding("admission", True, 0.85, spans)
    learned = post.learned.get("admission")
    if learned and learned.positive and post.sentences:
        return Finding("admission", True, learned.probability, [post.sentences[learned.sentence]])
    return None


# Announcing a release or a beta to test, as opposed to mentioning one in a reply.
RELEASE = _rx(
    r"\b(release notes|changelog|beta \d)\b",
    r"\b(we're|we are) (releasing|launching|rolling out)\b",
    r"\b(new )?commits since\b",
    r"\bjoin the beta\b",
    r"\b(the )?beta (is|are) (now )?(available|out|live)\b",
    r"\bhelp us test\b",
)


def looks_like_release_note(post: PostView) -> bool:
    """A post that is mostly a list of changes announces a release; it owns no single mistake."""
    bullets = sum(
        1 for _, s in post.sentence_texts() if re.match(r"^([*•-]\s|fix(ed|es)?\b)", s, re.I)
    )
    return bullets >= 3 or bool(RELEASE.search(post.text.translate(_STRAIGHT)))


HAPPY_TALK = _rx(
    r"\b(we('re| are)|i('m| am)) (so |super |really )?(excited|thrilled|delighted|proud|happy) to"
    r" (announce|share|introduce|bring|launch)",
    r"\b(amazing|incredible|awesome|fantastic|revolutionary|game[- ]?changer|world[- ]class|"
    r"best[- ]in[- ]class|cutting[- ]edge|seamless(ly)?|blazing(ly)? fast|next[- ]level)\b",
    r"\byour (privacy|security|satisfaction|experience) is our (top |number one |#1 )?priority\b",
    r"\bwe (love|value|appreciate) (our|all of our|every one of our) (users|customers|community)\b",
    r"\b(don't|do not) miss (out|it)\b",
    r"\b(best|greatest) (app|messenger|experience) (ever|in the world|on the market)\b",
)


@signal("candor.happy_talk.v2", kind="happy_talk", roles={STAFF, OPENER, COMMUNITY})
def happy_talk(post: PostView) -> Finding | None:
    """Promotional or too-good-to-be-true language; it lowers a thread's authenticity.

    One superlative is enthusiasm; two cues in a post, or one in a short post, read as a pitch.
    """
    hits = [(span, len(HAPPY_TALK.findall(sentence))) for span, sentence in post.sentence_texts()]
    spans = [span for span, count in hits if count]
    cues = sum(count for _, count in hits)
    if cues >= 2 or (cues == 1 and len(post.sentences) <= 2):
        return Finding("happy_talk", True, min(1.0, 0.4 * cues), spans)
    return None


PEOPLE = (
    r"(whole |entire )?(people|friends|family( members)?|relatives|colleagues|wife|husband|partner|"
    r"parents|mom|mum|dad|kids|team|company|everyone|everybody|contacts|users)\b(?!'s)"
)
REFERRAL = _rx(
    # bringing people over ("I convinced many people to switch", "got my family onto it")
    r"\b(convinced|persuaded|converted|introduced|migrated|onboarded) "
    r"((about|around|over|nearly) )?((many|most|all|several|enough|dozens of|\d+|a (lot|bunch) of|"
    rf"lots of) )?((my|our|the) )?{PEOPLE}",
    rf"\b{PEOPLE} (that |whom? )?(i|we)('ve| have)? (brought|got(ten)?|moved|convinced|switched) "
    r"(onto|to|over)\b",
    rf"\b(got|gotten|brought|switched) (all )?(my|our) (\w+ )?{PEOPLE}",
    rf"\b(my|our) {PEOPLE} (now )?(uses?|is on|are on|switched|joined)\b",
    rf"\b(told|tell|telling|asked|ask) ((all )?(my|our) (\w+ )?)?{PEOPLE} (also )?"
    r"(to (use|try|install|switch|join|download|move)|about (it|the app|this app|\w+))\b",
    # recommending it to others, not recommending a step ("I recommend restarting")
    r"\b(i|we)('ve| have)? (always |often |strongly |highly )?(been )?recommend(ed|ing)? "
    r"(it|this app|the app|\w+) to (my |all |every|friends|family|people|others|anyone)",
    r"\b(best|favou?rite) (messenger|messaging app|chat app|app)\b",
    r"\b(is|'s) (a )?(great|excellent|fantastic|wonderful|brilliant) "
    r"(app|messenger|product|service)\b",
    r"\bi (really )?love (this app|the app|it)\b",
    r"\b(signal|it) (being|is|remains) (still )?my (clear |absolute |personal )?"
    r"(favou?rite|go-to)\b",
    r"\bsignal (being|is) (\d+ ?% |much |way |far |so much )?better\b",
)
NOT_REFERRAL = _rx(
    r"\b(would|will) (no longer|never|not|stop)\b",
    r"\b(can't|cannot|can not|couldn't|could not|won't|wouldn't|don't|do not|haven't|never)"
    r"( \w+){0,6} recommend",
    r"\bbut\b.*\b(miss|lack|need)",
    r"\?\s*$",
)


@signal("candor.referral.v3", kind="referral", roles={OPENER, COMMUNITY})
def referral(post: PostView) -> Finding | None:
    """A customer recommending the product or bringing others to it, unasked.

    v3: "persuaded the family", "users I've brought onto Signal", "Signal being my clear
    favourite", "Signal being much better".
    """
    spans = _matching(post, REFERRAL, NOT_REFERRAL)
    return Finding("referral", True, 0.8, spans) if spans else None


# Signals kept in modules of their own register when imported; importing them here means every
# reader of REGISTRY (enrichment, its component keys, evaluation) sees them.
from nlp import toxicity  # noqa: E402, F401
