"""Warning signs and emergencies, found by what the words mean before any topic is matched.

A topic's examples cannot foresee how people describe an emergency ("after a fall I can't stand",
"numb bum and can't pee", "my mum fell and can't get up"), and a miss costs far more than a false
alarm. So each sign is a small set of concepts that must occur together anywhere in the utterance
(an inability and a bladder word; a numbness word and a saddle-area word; a fall and not standing),
whoever it is said about and whatever else is asked around it. The concepts are word patterns over a
normalised text, with the everyday senses that borrow the same words ("my hip is killing me",
"chest of drawers", "pins and needles after sitting") kept out explicitly. tests/safety/ holds the
phrasings, written apart from these patterns, that measure recall and false alarms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..intent import EMERGENCY, SEE_DOCTOR, URGENT
from .patterns import Pattern

SELF_HARM = "self_harm"
CANNOT_DIAGNOSE = "cannot_diagnose"
CHILD_MEDICINE = "child_medicine"
BLOOD_CLOT = "blood_clot"


@dataclass(frozen=True)
class Alarm:
    """A sign that decides the answer before any topic is considered."""

    intent: str
    """urgent_symptoms, emergency, or see_doctor (a question only a doctor can answer)."""

    sign: str
    """Which sign was found, for the dialogue's choice of words and for evaluation."""


_CONTRACTIONS = (
    (Pattern(r"\bcan'?t\b"), "cannot"),
    (Pattern(r"\bcan not\b"), "cannot"),
    (Pattern(r"\bwon'?t\b"), "will not"),
    (Pattern(r"\b(could|would|should|does|do|did|is|are|was|were|has|have|had)n'?t\b"), r"\1 not"),
    (Pattern(r"\bi'?m\b"), "i am"),
    (Pattern(r"\b(i|you|we|they)'ve\b"), r"\1 have"),
    (Pattern(r"\b(he|she|it|that|there)'s\b"), r"\1 is"),
    (Pattern(r"\b(\w+)'s\b"), r"\1"),
    (Pattern(r"\bwanna\b"), "want to"),
    (Pattern(r"\bgonna\b"), "going to"),
)


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w' ]+", " ", text)
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return " ".join(text.replace("'", "").split())


def _any(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


def _near(first: str, second: str, gap: int = 5) -> str:
    """`first` then `second`, at most `gap` words apart."""
    return rf"\b{first}\b(?: \w+){{0,{gap}}} {second}\b"


def _either_order(first: str, second: str, gap: int = 6) -> str:
    return f"(?:{_near(first, second, gap)}|{_near(second, first, gap)})"


_UNABLE = _any(
    "cannot",
    "could not",
    "unable to",
    "not able to",
    "will not",
    "would not",
    "can hardly",
    "can barely",
    "struggling to",
    "struggle to",
    "trouble",
    "difficulty",
    "problems?",
    "hard to",
    "no longer",
    "not been able to",
    "been unable to",
)
_SOMEONE = _any("myself", "yourself", "himself", "herself", "themselves", "themself", "ourselves")

# Bladder and bowels: cannot go, cannot hold it, accidents, not knowing when one needs to go.
_TOILET_ACT = _any(
    "pee",
    "peeing",
    "wee",
    "weeing",
    "urinate",
    "urinating",
    "pass urine",
    "pass water",
    "passing urine",
    "passing water",
    "empty my bladder",
    "empty (?:his|her) bladder",
    "poo",
    "pooing",
    "poop",
    "pooping",
    "open my bowels",
    "hold it",
    "hold it in",
    "hold (?:my|his|her) (?:pee|wee|urine|water|bladder|poo|poop|bowels?)",
    "control (?:my|his|her) (?:bladder|bowels?)",
    "make it to the (?:toilet|loo|bathroom)",
)
_BLADDER_OR_BOWEL = (
    _near(_UNABLE, _TOILET_ACT, 4),
    rf"\b{_any('wet', 'wets', 'wetting', 'soiled', 'soiling', 'pooed', 'pooped', 'peed', 'weed', 'messed')} "
    rf"{_any(_SOMEONE, 'the bed', '(?:my|his|her|their) (?:pants|trousers|knickers|underwear|nappy)')}\b",
    rf"\b{_any('leak', 'leaks', 'leaked', 'leaking', 'dribble', 'dribbling')}\b(?: \w+){{0,2}} "
    rf"{_any('urine', 'pee', 'wee', 'poo', 'stool', 'when')}\b",
    r"\b(?:i|he|she) (?:am |is |have been |has been )?(?:leak|leaks|leaking)\b",
    rf"\b{_any('keep having', 'been having', 'had', 'have had', 'having')} (?:an )?accidents?\b"
    r"(?: \w+){0,2} (?:in (?:my|his|her) (?:pants|trousers|bed)|since|and)\b",
    r"\baccident in (?:my|his|her) (?:pants|trousers|bed|underwear)\b",
    # Accidents said of the bladder or bowels however they are counted ("a few accidents with my bowels").
    _either_order(r"accidents?", r"(?:bladder|bowels?|wee|pee|urine|poo)", 3),
    r"\bkeep having accidents\b",
    r"\bincontinen(?:t|ce)\b",
    r"\b(?:lost|losing|loss of|lose|no) control (?:of|over) (?:my |his |her |the )?(?:bladder|bowels?|pee|wee|urine)\b",
    r"\b(?:bladder|bowels?) (?:control|is not working|are not working|not working|stopped working|have stopped|has stopped)\b",
    r"\b(?:bladder|bowels?)(?: \w+){0,2} (?:is not|are not|has not been|have not been) (?:working|right)\b",
    rf"\b{_any('do not', 'does not', 'cannot', 'could not', 'no longer')} "
    rf"{_any('know', 'tell', 'feel', 'sense', 'notice')}\b(?: \w+){{0,5}} "
    rf"{_any('toilet', 'loo', 'bathroom', 'a wee', 'a pee', 'to pee', 'to wee', 'to go')}\b",
    rf"\b(?:have|has) not {_any('peed', 'weed', 'urinated', 'passed water', 'passed urine', 'been able to pee')}\b",
    r"\b(?:pee|wee|urine|poo|poop) (?:just )?(?:comes|came|is coming) out\b",
    r"\burinary retention\b",
)

# Numbness in the saddle area: what sits on a saddle, and what one feels when wiping.
_NUMB = _any(
    "numb",
    "numbness",
    "no feeling",
    "no sensation",
    "lost (?:the )?(?:feeling|sensation)",
    "losing (?:the )?feeling",
    "gone dead",
    "went dead",
    "feels dead",
    "cannot feel",
    "could not feel",
    "unable to feel",
    "not feel",
)
_SADDLE = _any(
    "groin",
    "crotch",
    "between (?:my|his|her|the) legs",
    "private parts",
    "privates",
    "genitals?",
    "penis",
    "vagina",
    "vulva",
    "testicles",
    "scrotum",
    "anus",
    "back passage",
    "rectum",
    "perineum",
    "saddle",
    "down there",
    "inner thighs?",
    "insides? of (?:my|his|her|the) thighs?",
    "when i wipe",
    "wiping",
    "toilet paper",
)
# One cheek is one side, which sciatica numbs ("a numb feeling in my bum cheek"); the saddle is both.
_SEAT = _any(
    "bottom", r"bum(?! cheek\b)", "buttocks", "butt cheeks", "bum cheeks", "backside", r"butt(?! cheek\b)", "buttock"
)
_SITTING = _any(
    "sit",
    "sits",
    "sitting",
    "sat",
    "seated",
    "chair",
    "chairs",
    "desk",
    "drive",
    "drives",
    "driving",
    "journey",
    "journeys",
    "seat",
    "cycling",
    "bike",
    "toilet",
    "sofa",
    "couch",
    "flight",
    "flights",
    "stool",
    # Where people sit still for long: "my bum goes numb at the cinema" is the sitting topic.
    "cinema",
    "cinemas",
    "theatre",
    "theater",
    "movies?",
    "films?",
    "concerts?",
    "church",
    "lectures?",
    "meetings?",
    "classes",
    "train",
    "plane",
    "bus",
    "coach",
    "commute",
    "gaming",
    "computer",
    "screen",
)
_PERSISTING = _any(
    "all the time", "will not go away", "does not go away", "constantly", "since", "for days", "completely", "both"
)

# Weakness or numbness in both legs, or legs getting weaker.
_LEGS = _any("legs", "both legs", "feet", "both feet", "either leg", "either foot", "both sides")
_WEAK_WORDS = (
    "weak",
    "weaker",
    "weakness",
    "numb",
    "numbness",
    "no strength",
    "lost (?:the )?strength",
    "losing (?:the )?strength",
    "giving way",
    "give way",
    "gave way",
    "giving out",
    "gave out",
    "give out",
    "buckling",
    "buckle",
    "buckled",
    "jelly",
    "floppy",
    "cannot feel",
    "cannot move",
    "barely move",
    "hardly move",
    "cannot lift",
    "will not hold",
    "losing feeling",
    "lost feeling",
    "no feeling",
    "gone dead",
    "paralysed",
    "paralyzed",
)
_WEAK = _any(*_WEAK_WORDS)
_NUMB_WORDS = ("numb", "numbness")
_STRENGTHENING = r"\b(?:strengthen|strengthening|exercises?|workouts?|strong)\b"

# A fall or blow, then not standing, walking or bearing weight, or a leg that looks wrong.
_FALL = _any(
    "fell",
    "fall",
    "fallen",
    "falling over",
    "tripped",
    "tumble",
    "tumbled",
    "slipped",
    "slipping",
    "tripping",
    # Told in the present, as people tell a story and as recognisers drop an "-ed": "i slip on the stairs and
    # now i can't walk". Never "a slip disc" nor "a car trip".
    "(?:slip|slips) (?:on|in|over|off|down)",
    "(?:trip|trips) (?:on|over)",
    "falls",
    "lost (?:my|his|her) footing",
    "came off",
    "knocked over",
    "knocked down",
    "hit by a car",
    "car crash",
    "crash",
    "accident",
)
_STAND = _any(
    "stand(?! it| this| that| the| being| sitting| my| his| her| him| them| people| you| waiting)",
    "walk(?! far| long| for| very| as| much| more)",
    "get up",
    "get back up",
    "put (?:any )?weight",
    "bear (?:any )?weight",
    "take (?:my|his|her|any) weight",
    "move (?:my|his|her|the|that) leg",
    "move it",
)
_LOOKS_WRONG = _any(
    "shorter",
    "turned out",
    "turns out",
    "turned outwards",
    "turning out",
    "turned outward",
    "rolled out",
    "rolled outwards",
    "rolls out",
    "rolls outwards",
    "pointing outwards",
    "twisted",
    "crack",
    "cracked",
    "snap",
    "snapped",
    "agony",
    "excruciating",
    "unbearable",
    "(?:broke|broken) (?:my |his |her )?(?:hip|leg|pelvis|thigh)",
    "(?:hip|leg|pelvis) (?:is |was |might be |may be )?broken",
)

# A hot, red or swollen joint, or fever, with pain or a body part of the domain.
_FEVER = _any(
    "fever",
    "feverish",
    "fevers",
    "high temperature",
    "a temperature",
    "running a temperature",
    "chills",
    "shivering",
    "shivery",
    "the shivers",
    "burning up",
    "night sweats",
    "rigors",
)
_INFLAMED = _any("hot", "warm", "red", "swollen", "swelling", "puffy", "inflamed")
# A calf or leg that swells, with pain or after long sitting or lying still, may be a blood clot: prolonged sitting is
# one of the skill's topics, and its answer about the seat bones would be the wrong one. Ankles and feet that swell
# on a long flight or in the heat are common and left to the topics.
_SWOLLEN = _any("swollen", "swelling", "swells?", "swelled", "swelled up", "puffed up")
_LEG = _any("calf", "calves", "legs?", "thigh")
_PAIN = _any("pain", "painful", "hurts?", "hurting", "aches?", "aching", "sore")
_CLOT_CONTEXT = _any(
    _PAIN,
    "tender",
    "red",
    "warm",
    "hot",
    "throbbing",
    "flights?",
    "flying",
    "flew",
    "flown",
    "travel",
    "travelling",
    "hospital",
    "plane",
    "long drive",
    "long journey",
    "operation",
    "surgery",
    "bed rest",
    "in bed",
)
_PREVENTION = _any("prevent", "avoid", "stop", "stops", "keep", "reduce")
_DOMAIN_OR_PAIN = _any(
    "hip",
    "hips",
    "bottom",
    "bum",
    "buttocks?",
    "butt",
    "backside",
    "back",
    "tailbone",
    "groin",
    "leg",
    "legs",
    "thigh",
    "joint",
    "sciatica",
    "disc",
    "spine",
    "pelvis",
    "glutes?",
    _PAIN,
    "agony",
    "killing me",
)

_NIGHT_PAIN = _either_order(
    "night",
    _any(
        "never",
        "not ease",
        "not go away",
        "nothing helps",
        "nothing eases",
        "nothing relieves",
        "cannot sleep",
        "unbearable",
        "severe",
        "agony",
        "lets up",
        "let up",
        "wakes me",
        "keeps me awake",
    ),
    8,
)
_WEIGHT_LOSS = (
    _near(_any("losing", "lost", "lose", "dropping"), _any("weight", "pounds", "kilos", "stone"), 4)
    + r"(?: \w+){0,3} "
    + _any("without", "for no reason", "no reason", "not trying", "not dieting"),
    r"\b(?:unexplained|unexpected|unintended|sudden) weight loss\b",
)
_CANCER_HISTORY = _near(
    _any("had", "have had", "history of", "treated for", "survivor", "used to have", "recovering from", "was treated"),
    r"\w*\s?cancer",
    2,
)
_ASKS_FOR_EMERGENCY_CARE = _any(
    "a and e",
    "emergency room",
    "emergency department",
    "casualty",
    "ambulance",
    "danger signs",
    "warning signs",
    "red flags?",
    "an emergency",
)

# Emergencies outside the domain.
_MEANT = _any(
    "want to",
    "wanted to",
    "going to",
    "gonna",
    "feel like",
    "urge to",
    "tempted to",
    "thinking of",
    "thinking about",
    "need to",
    "wish i could",
)
# Meant, or only feared: "i might hurt myself" is said of both, "i keep hurting myself at the gym" of injuries.
_MAYBE_MEANT = _any("keep", "might", "will", "ill")
_DOING_SOMETHING = _any(
    "at", "while", "when", "doing", "lifting", "running", "playing", "in", "on", "during", "if", "by", "with", "again"
)
_SELF_HARM = (
    r"\b(?:kill|killing|hang|hanging) (?:myself|themselves)\b",
    r"\bsuicid\w*",
    r"\b(?:end|ending|take|taking) (?:my|his|her) (?:own )?life\b",
    r"\b(?:end|ending) it all\b",
    rf"\b{_any('want to', 'going to', 'thinking of', 'thinking about', 'wish i could')} end it\b",
    r"\b(?:want|wanted|wanting) to die\b",
    r"\bwish (?:i|he|she) (?:was|were) dead\b",
    r"\bbetter off dead\b",
    r"\b(?:do not|does not|no longer) want to (?:live|be alive|be here|wake up)\b",
    r"\b(?:harm|harming|cut|cutting) myself\b(?! by accident| accidentally)",
    # Said of someone else, hurting oneself is self-harm only when meant: "he hurt himself at the gym" is an injury.
    rf"\b{_any('going to', 'gonna', 'wants? to', 'wanting to', 'threaten(?:s|ed|ing)? to', 'trying to', 'tried to', 'plans? to', 'planning to', 'talking about', 'talks about')}"
    r" (?:hurt|hurting|harm|harming|cut|cutting|kill|killing) (?:himself|herself|themselves|themself)\b",
    r"\bself ?harm\w*",
)
# Hurting oneself is mostly an injury ("how do i lift without hurting myself", "i never even hurt myself"): self-harm
# when it is meant. Kept apart from _SELF_HARM, whose words are listened for in misheard speech (`words_listened_for`):
# these would add "with", "while", "doing" and the like, which no misheard word should be taken for.
_HURTING_ONESELF_MEANT = (
    rf"\b(?<!not )(?<!never ){_MEANT} (?:hurt|hurting) myself\b",
    rf"\b(?<!not )(?<!never ){_MAYBE_MEANT} (?:hurt|hurting) myself\b(?! {_DOING_SOMETHING}\b)",
    r"\b(?:hurt|hurting|hurts) myself (?:on purpose|deliberately|any ?more)\b",
)
_CHEST_PAIN = (
    r"\bheart attack\b",
    r"\bcardiac arrest\b",
    rf"\bchest(?! of| press| presses| day| exercises?| workout| muscles?)\b(?: \w+){{0,4}} "
    rf"{_any('pains?', 'hurts?', 'hurting', 'tight', 'tightness', 'pressure', 'crushing', 'heavy', 'heaviness', 'squeezing', 'burning')}\b",
    rf"\b{_any('pains?', 'tightness', 'pressure', 'crushing', 'heaviness', 'squeezing')}\b(?: \w+){{0,5}} (?:my |the |his |her )?chest\b(?! of| press)",
    r"\bheart (?:is )?(?:giving out|stopping|failing|stopped)\b",
    r"\bclutching (?:my|his|her) chest\b",
    r"\bsitting on my chest\b",
)
_STROKE = (
    r"\b(?:having|had|has|is having|think (?:i|he|she) is having) a stroke\b",
    r"\bstroke (?:symptoms|signs)\b",
    rf"\b{_any('face', 'mouth', 'smile')}\b(?: \w+){{0,5}} {_any('droop', 'drooping', 'droops', 'droopy', 'dropped', 'lopsided', 'fallen')}\b",
    r"\b(?:slurred|slurring|garbled) (?:speech|words)\b",
    r"\b(?:speech|words)\b(?: \w+){0,3} (?:slurred|garbled|gone funny|coming out wrong|all wrong)\b",
    r"\bcannot (?:talk|speak) (?:properly|clearly|all of a sudden)\b",
    r"\b(?:suddenly|all of a sudden)\b(?: \w+){0,4} (?:cannot|could not) (?:talk|speak|lift (?:my|his|her) (?:right|left) arm|see)\b",
    r"\b(?:arm|arm and leg|face)\b(?: \w+){0,4} (?:on )?one side\b(?: \w+){0,3} (?:weak|numb|limp|droopy)",
    r"\bone side of (?:my|his|her) (?:face|body)\b(?: \w+){0,4} (?:numb|droopy|weak|drooping|limp)\b",
    r"\b(?:arm|leg)\b(?: \w+){0,2} (?:has gone|went|is) limp\b",
    r"\barm is limp\b",
)
_BREATHING = (
    _near(
        _any(
            "cannot",
            "can hardly",
            "can barely",
            "struggling to",
            "struggle to",
            "unable to",
            "could not",
            "trouble",
            "difficulty",
        ),
        _any("breathe", "breath", "breathing", "get (?:any )?air", "get (?:my )?breath"),
        2,
    ),
    r"\b(?:not|stopped|is not|has stopped) breathing\b",
    r"\bchok(?:ing|ed)\b",
    r"\bgasping\b",
    r"\b(?:turning|gone|going|went|is turning|are turning) blue\b",
    r"\basthma attack\b",
    r"\b(?:very|really|severely|badly|so) short of breath\b",
    r"\bcatch (?:my|his|her) breath\b",
)
_OVERDOSE = (
    r"\boverdos\w*",
    rf"\btoo many {_any('pills', 'tablets', 'painkillers', 'capsules', 'of my', 'sleeping')}",
    rf"\b{_any('load of', 'loads of', 'lots of', 'all my', 'all of my', 'handful of', 'whole bottle of', 'whole packet of', 'whole box of', 'bottle of', 'packet of')} "
    rf"{_any('pills', 'tablets', 'painkillers', 'capsules', 'medicine', 'paracetamol', 'ibuprofen')}\b",
    r"\btook double\b",
    r"\bdouble (?:my |the )?dose\b",
    rf"\b{_any('drank', 'drunk', 'swallowed', 'ate', 'eaten', 'drink', 'swallow', 'got into')}\b(?: \w+){{0,3}} "
    rf"{_any('bleach', 'poison', 'poisonous', 'detergent', 'antifreeze', 'weedkiller', 'batteries', 'battery', 'pills', 'tablets', 'medicine', 'something')}\b",
    r"\bpoison(?:ed|ing)\b",
    r"\bon purpose\b",
)
_BLEEDING = (
    r"\bbleeding\b(?: \w+){0,2} (?:heavily|a lot|badly|profusely|everywhere|will not stop|does not stop|not stopping)\b",
    r"\b(?:blood|bleeding)\b(?: \w+){0,3} (?:will not stop|does not stop|everywhere|pouring|gushing|spurting|pumping)\b",
    r"\b(?:pouring|gushing|spurting|pumping|losing) (?:\w+ ){0,3}blood\b",
    r"\bcannot stop (?:the |my |his |her )?bleeding\b",
    r"\bhaemorrhag\w*|\bhemorrhag\w*",
)
_UNCONSCIOUS = (
    r"\bunconscious\b",
    r"\bunresponsive\b",
    r"\b(?:not|stopped) respond\w*",
    r"\b(?:will not|cannot|could not) (?:wake|be woken)\b",
    r"\bcannot wake (?:him|her|them|my \w+)",
    r"\bpassed out\b",
    r"\bblacked out\b",
    r"\bcollapsed\b",
)

_SERIOUS = _any(
    "cancer",
    "cancerous",
    "a tumou?r",
    "tumou?rs",
    "malignant",
    "leuka?emia",
    "something serious",
    "something sinister",
    "serious illness",
    "bone cancer",
)
_CANCER_QUESTION = (
    rf"\b(?:it|this|that|my \w+|my \w+ \w+|the pain|the lump|these|they) (?:be|is|was|mean|means|could be|might be)\b(?: \w+){{0,3}} {_SERIOUS}\b",
    rf"\b(?:do|could|might|can) (?:i|he|she|we) (?:have|get|have got)\b(?: \w+){{0,2}} {_SERIOUS}\b",
    rf"\b(?:afraid|scared|worried|worry|fear|frightened|what if)\b(?: \w+){{0,5}} {_SERIOUS}\b",
    rf"\bsign of {_SERIOUS}\b",
    rf"\b(?:is|could|might) (?:it|this|that|this pain|the pain|my pain)\b(?: \w+){{0,3}} {_SERIOUS}\b",
)
_CHILD = _any(
    "child",
    "childs",
    "children",
    "kid",
    "kids",
    "son",
    "daughter",
    "baby",
    "toddler",
    "teenager",
    "teen",
    "boy",
    "girl",
    "grandson",
    "granddaughter",
    "little one",
    "infant",
    "(?:[1-9]|1[0-7]) (?:year|month|week)s? old",
    "(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen) years? old",
    "(?:month|week)s? old",
)
_MEDICINE = _any(
    "medicines?",
    "medications?",
    "ibuprofen",
    "diclofenac",
    "loxoprofen",
    "paracetamol",
    "calpol",
    "painkillers?",
    "capsules?",
    "granules",
    "zoledronic",
    "dose",
    "nurofen",
    "aspirin",
)
_PILLS = _any("pills?", "tablets?", "drugs?", "plasters?")
"""Words for a medicine that also name other things (a tablet computer, drugs of abuse, a sticking plaster): a
child's medicine only when someone would give or take it, or with pain or a part of the body in the question."""
_GIVEN = _any(
    "take",
    "takes",
    "taking",
    "give",
    "giving",
    "safe",
    "dose",
    "allowed",
    r"(?:can|could|should|may) \w+(?: \w+)? have",
)


def _compiled(*patterns: str) -> Pattern:
    return Pattern("|".join(f"(?:{pattern})" for pattern in patterns))


_EMERGENCIES: tuple[tuple[str, Pattern], ...] = (
    (SELF_HARM, _compiled(*_SELF_HARM)),
    ("chest_pain", _compiled(*_CHEST_PAIN)),
    ("stroke", _compiled(*_STROKE)),
    ("breathing", _compiled(*_BREATHING)),
    ("overdose_or_poisoning", _compiled(*_OVERDOSE)),
    ("heavy_bleeding", _compiled(*_BLEEDING)),
    ("unconscious", _compiled(*_UNCONSCIOUS)),
)
_BLADDER_OR_BOWEL_SIGN = _compiled(*_BLADDER_OR_BOWEL)
_SADDLE_SIGN = _compiled(_either_order(_NUMB, _SADDLE))
_SEAT_NUMB = _compiled(_either_order(_NUMB, _SEAT, 4))
# "a numb leg and a sore bum" is one numb leg, which sciatica gives, beside a sore bottom: no saddle numbness. Apart
# from _SEAT_NUMB, so that the parts of the body named here are not among the words listened for.
_SEAT_ITSELF_NUMB = _compiled(
    _either_order(rf"{_NUMB}(?! (?:leg|foot|toes?|arm|hand|knee|shin|calf|ankle)\b)", _SEAT, 4)
)
_SITTING_CONTEXT = _compiled(rf"\b{_SITTING}\b")
_PERSISTING_CONTEXT = _compiled(rf"\b{_PERSISTING}\b")
_SPREADING = _near(r"(?:weakness|numbness)", r"(?:spreading|getting worse)", 5)
_LEGS_SIGN = _compiled(
    _either_order(_LEGS, _WEAK, 5),
    _near(r"legs?", r"(?:getting|get|grown|gone|going) (?:weaker|weak)", 3),
    _SPREADING,
    r"\bcannot lift either (?:foot|leg)\b",
)
# Legs that go numb on a seat, with no word of weakness anywhere: "why do my legs go numb when i sit" is the
# sitting topic; "my legs go numb at my desk and now they keep giving way" is not.
_WEAKNESS_SAID = _compiled(rf"\b{_any(*(word for word in _WEAK_WORDS if word not in _NUMB_WORDS))}\b", _SPREADING)
_STRENGTHENING_CONTEXT = _compiled(_STRENGTHENING)
_FALL_CONTEXT = _compiled(rf"\b{_FALL}\b")
_CANNOT_STAND = _compiled(rf"\b{_UNABLE}\b(?: \w+){{0,3}} {_STAND}")
_CANNOT_BEAR_WEIGHT = _compiled(
    r"\b(?:cannot|unable to|not able to|will not)\b(?: \w+){0,2} (?:put|bear|take) (?:any |my |his |her )?weight\b"
)
_LOOKS_WRONG_CONTEXT = _compiled(rf"\b{_LOOKS_WRONG}\b|\bheard\b(?: \w+){{0,4}} (?:crack|snap|pop)")
# A broken hip or leg is itself the fall's harm: with not standing or walking it is as urgent, without a fall said
# ("my mum broke her hip and can't walk"); alone it may be long past ("she broke her hip last winter").
_BROKEN_CONTEXT = _compiled(
    r"\b(?:broke|broken|fractured?) (?:my |his |her |their |a )?(?:hip|leg|pelvis|thigh)\b",
    r"\b(?:hip|leg|pelvis) (?:is |was |might be |may be )?(?:broken|fractured)\b",
    r"\bhip fracture\b",
)
_FEVER_SIGN = _compiled(rf"(?<!no )(?<!not )(?<!without )\b{_FEVER}\b")
_INFLAMED_JOINT = _compiled(
    rf"\b{_INFLAMED}\b(?: \w+){{0,3}} {_INFLAMED}\b", r"\bhot to (?:the )?touch\b", r"\bred hot\b"
)
_DOMAIN_OR_PAIN_CONTEXT = _compiled(rf"\b{_DOMAIN_OR_PAIN}\b")
_SWOLLEN_LEG = _compiled(_either_order(_SWOLLEN, _LEG, 4))
_CLOT = _compiled(r"\bblood clots?\b|\b(?:a|the) clot\b|\bclots? in\b|\bdvt\b|\bdeep vein thrombosis\b")
# "you" is left out: "does sitting cause blood clots in your legs" asks about anyone.
_SOMEONE_WITH_A_CLOT = _compiled(r"\b(?:i|me|my|he|him|his|she|her|mum|mom|dad|husband|wife|son|daughter|partner)\b")
# One calf swelling is a sign in itself; legs and thighs swell with the heat or a long day.
_SWOLLEN_CALF = _compiled(_either_order(_SWOLLEN, "calf", 4))
_LEG_CONTEXT = _compiled(rf"\b{_LEG}\b")
_CLOT_CONTEXT_SIGN = _compiled(rf"\b{_CLOT_CONTEXT}\b")
_PREVENTION_QUESTION = _compiled(_near(_PREVENTION, _SWOLLEN, 4))
_OTHER_URGENT = (
    ("night_pain", _compiled(_NIGHT_PAIN)),
    ("weight_loss", _compiled(*_WEIGHT_LOSS)),
    ("past_cancer", _compiled(_CANCER_HISTORY)),
)
_ASKS_FOR_EMERGENCY_CARE_SIGN = _compiled(rf"\b{_ASKS_FOR_EMERGENCY_CARE}\b")
_HURTING_ONESELF_MEANT_SIGN = _compiled(*_HURTING_ONESELF_MEANT)
_SIGNS = (
    *(pattern for _, pattern in _EMERGENCIES),
    _BLADDER_OR_BOWEL_SIGN,
    _SADDLE_SIGN,
    _SEAT_NUMB,
    _LEGS_SIGN,
    _FALL_CONTEXT,
    _CANNOT_STAND,
    _CANNOT_BEAR_WEIGHT,
    _LOOKS_WRONG_CONTEXT,
    _BROKEN_CONTEXT,
    _FEVER_SIGN,
    _INFLAMED_JOINT,
)
"""The expressions whose words are listened for in a recogniser's misheard words (`words_listened_for`): the
emergencies, and the warning signs of bladder or bowels, saddle numbness, weak legs, a fall, a hot joint or fever.
The other urgent signs (night pain, weight loss, a past cancer, asking about emergency care) and the contexts that
keep everyday senses out are not among them: the dev figures of that check were measured without them."""
_CANCER_QUESTION_SIGN = _compiled(*_CANCER_QUESTION)
_CHILD_MEDICINE_SIGN = _compiled(_either_order(_CHILD, _MEDICINE, 10))
_CHILD_PILLS_SIGN = _compiled(_either_order(_CHILD, _PILLS, 10))
_GIVEN_SIGN = _compiled(rf"\b{_GIVEN}\b")


# "What to do for copper poisoning?", "What causes urinary incontinence?": a reference question about a
# condition, with nobody in it, is not someone in danger; the topic matcher refuses or answers it.
_REFERENCE_QUESTION = Pattern(
    r"^(?:what is are|what (?:is|are) (?:the )?(?:symptoms|signs|treatments?|causes|complications|outlook|prognosis|"
    r"risk factors|research|outcome|diagnosis|tests?) (?:of|for)|what (?:causes|to do for)|how (?:to|can i|do you) (?:prevent|diagnose|treat)|"
    r"who (?:is|are) at risk (?:for|of)|is there (?:a )?(?:cure|treatment) for|do i need to see a doctor for|"
    r"how (?:is|are) .* (?:diagnosed|treated)|what (?:is|are) the (?:stages|types) of)\b"
)
_SOMEONE_IN_IT = Pattern(
    r"\b(?:i|me|my|mine|we|our|us|he|him|his|she|her|they|them|their|you|your|someone|somebody|now|help|mum|mom|"
    r"dad|child|son|daughter|husband|wife|baby|kid|partner|friend)\b"
)


def words_listened_for() -> frozenset[str]:
    """The words that emergencies and warning signs are found by ("fall", "bladder", "numbness", "chest"), taken
    from the expressions themselves: where a recogniser heard another word that sounds like one of them, the
    warning sign may have been said (`recognition.sound_alike`)."""
    return frozenset(
        word
        for pattern in _SIGNS
        for word in re.findall(r"[a-z][a-z']+", re.sub(r"\\[a-zA-Z]", " ", pattern.source))
        if len(word) > 2
    )


def asks_whether_it_is(text: str, conditions: frozenset[str]) -> bool:
    """Whether the pain is one of `conditions`, asked as "could it be cancer" is ("could my hip pain be arthritis",
    "do i have bursitis"): only a doctor can tell, the question is not one about the condition."""
    return bool(_diagnosis_asked_of(conditions).search(_normalise(text)))


@lru_cache(maxsize=4)
def _diagnosis_asked_of(conditions: frozenset[str]) -> Pattern:
    named = _any(*sorted(map(re.escape, conditions), key=len, reverse=True))
    return _compiled(*(pattern.replace(_SERIOUS, named) for pattern in _CANCER_QUESTION))


def is_reference_question(text: str) -> bool:
    """A question about a condition in general, with nobody in it ("What causes Urinary Incontinence?")."""
    return _asks_for_reference(_normalise(text))


def _asks_for_reference(said: str) -> bool:
    opener = _REFERENCE_QUESTION.match(said)
    return opener is not None and not _SOMEONE_IN_IT.search(said[opener.end() :])


def find_alarm(text: str) -> Alarm | None:
    """The most serious sign in an utterance: an emergency, a warning sign, or a question for a doctor."""
    said = _normalise(text)
    if not said or _asks_for_reference(said):
        return None
    if _HURTING_ONESELF_MEANT_SIGN.search(said):
        return Alarm(EMERGENCY, SELF_HARM)
    for emergency, pattern in _EMERGENCIES:
        if pattern.search(said):
            return Alarm(EMERGENCY, emergency)
    warning = _warning_sign(said)
    if warning:
        return Alarm(URGENT, warning)
    if _CANCER_QUESTION_SIGN.search(said):
        return Alarm(SEE_DOCTOR, CANNOT_DIAGNOSE)
    if _CHILD_MEDICINE_SIGN.search(said) or (
        _CHILD_PILLS_SIGN.search(said) and (_GIVEN_SIGN.search(said) or _DOMAIN_OR_PAIN_CONTEXT.search(said))
    ):
        # "my daughter plays games on her tablet all day" asks nothing about a medicine.
        return Alarm(SEE_DOCTOR, CHILD_MEDICINE)
    return None


def _warning_sign(said: str) -> str | None:
    if _BLADDER_OR_BOWEL_SIGN.search(said):
        return "bladder_or_bowel"
    if _SADDLE_SIGN.search(said):
        return "saddle_numbness"
    if _SEAT_ITSELF_NUMB.search(said) and (not _SITTING_CONTEXT.search(said) or _PERSISTING_CONTEXT.search(said)):
        # A bottom that goes numb on a hard chair is the sitting topic; one that stays numb is a warning sign.
        return "saddle_numbness"
    if _LEGS_SIGN.search(said) and not _STRENGTHENING_CONTEXT.search(said):
        numb_from_sitting = _SITTING_CONTEXT.search(said) and not _PERSISTING_CONTEXT.search(said)
        if not numb_from_sitting or _WEAKNESS_SAID.search(said):
            return "legs_weak_or_numb"
    fall = _FALL_CONTEXT.search(said)
    if fall and (_CANNOT_STAND.search(said) or _LOOKS_WRONG_CONTEXT.search(said)):
        return "fall_cannot_stand"
    if _CANNOT_BEAR_WEIGHT.search(said) or (_BROKEN_CONTEXT.search(said) and _CANNOT_STAND.search(said)):
        return "fall_cannot_stand"
    swollen_leg = _SWOLLEN_LEG.search(said) and (_CLOT_CONTEXT_SIGN.search(said) or _SWOLLEN_CALF.search(said))
    if swollen_leg and not _PREVENTION_QUESTION.search(said):
        return BLOOD_CLOT
    if (
        _CLOT.search(said)
        and _SOMEONE_WITH_A_CLOT.search(said)
        and (_LEG_CONTEXT.search(said) or _CLOT_CONTEXT_SIGN.search(said))
    ):
        # "could I have a blood clot in my leg" is someone's leg; "how do you get a blood clot" is nobody's.
        return BLOOD_CLOT
    about_the_domain = _DOMAIN_OR_PAIN_CONTEXT.search(said)
    if about_the_domain and (_FEVER_SIGN.search(said) or _INFLAMED_JOINT.search(said)):
        return "hot_swollen_joint_or_fever"
    if about_the_domain:
        for sign, pattern in _OTHER_URGENT:
            if pattern.search(said):
                return sign
        if _ASKS_FOR_EMERGENCY_CARE_SIGN.search(said):
            return "asks_about_emergency_care"
    return None
