"""Person names, read as a sequence of words with what surrounds them.

Five kinds of evidence, any of which redacts:

- the statistical recogniser (``ner``) on capitalised text;
- the name lexicon (``lexicon``): a word that is only ever a name ("priya",
  "shevchenko") is one in any case, with the name words next to it; a word
  that is also ordinary English ("bill", "mark", "chase") needs more;
- a slot that a name fills: after "my name is", "this is", "I'm", "Mr.",
  "thank you", "with", "under"…, or addressed between commas ("Alright,
  Grace, …"). Strong slots take any name word or an unknown capitalised
  word; weak ones take only what the lexicon or capitals already suggest;
- a name spelled out letter by letter ("P-R-I-Y-A", "r a m a n");
- the names the caller of the engine already knows (the caller ID name,
  the CRM contact, names introduced earlier in the call).

A name found once is found again wherever the same text says it alone
("I'm calling for Ebere. Ebere's my daughter").

Words inside what the recogniser calls an organisation, a place or a product
("Wells Fargo", "St. Louis", "Dr Pepper") are not names unless a slot says so;
nor is a run of name words that the words around it make a thing ("the Frank
Lloyd Wright tour", "Chase Field", "Tier 2"), a brand or landmark in
``EPONYMS``, a choice offered in the question just asked ("green or orange?
Orange."), or a town between an address and its ZIP code.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import lexicon, places
from .dialogue import SENTENCE_END, turn_window
from .lexicon import MONTHS, NameLexicon, fold
from .ner import EntityFinder, Span, sentences
from .normalize import SPELLING_ALPHABET, spelled_in_the_alphabet
from .recognizers import STATE_NAMES

ENTITY = "PERSON"

# Words that never begin or end a name, whatever their case: they follow
# "this is", "I'm" or "it's" in ordinary talk.
NOT_NAMES = frozenset(
    """
    i a an the and or but is was am are be been calling here just not sure great fine good yes no okay ok thanks
    thank regarding about customer support billing sales service from with your my our their his her hello hi
    hey really very so well still also actually happy glad sorry back looking trying going having done ready right
    correct everything nothing that this it what who how why where when there calling speaking again today tomorrow
    yesterday monday tuesday wednesday thursday friday saturday sunday one two three four five six seven eight
    nine ten uh um umm uhh er mom dad mum born espanol
    erm ah hmm like you me we they he she him them us its mine yours hers ours theirs it's i'm i'll i've i'd
    gonna wanna gotta going calling
    supposed worried confused frustrated upset concerned interested new old only still now then here there one
    all any some more less please yeah yep nope mister doctor sir madam maam ma'am miss mr mrs ms dr on in at to
    for of by as up out down off over under into onto than too also either neither both each every other another
    same such much many few little lot lots bit kind sort type way thing stuff someone something anyone anything
    nobody somebody everybody everyone customer member patient agent representative rep manager supervisor
    assistant account card number phone email address zip code date birth pin password name last first full
    middle spelled spell spelling capital letter letters double dash hyphen dot underscore period comma caller
    """.split()
)
TITLES = frozenset("mr mrs ms miss mister missus dr doctor prof professor sir madam".split())
# A reply to what was said, no name, even before a comma at a turn's start: "My name is Ifeoma" /
# "Perfect.", "Perfect, Piotr, the deposit's in."
ACKNOWLEDGEMENTS = frozenset(
    "perfect lovely brilliant cool sweet grand cheers ace pleasure welcome awesome wonderful excellent fantastic "
    "super nice fine noted understood gotcha".split()
)
# A day's possessive: "Friday's check", "today's payment".
_DAYS_OWN = frozenset(
    f"{day}'s" for day in "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday".split()
)
# Kinds of business that name one only as it answers the phone, never after a person's name: "Liberty
# Bail Bonds, this is Ray." (not "Barry Bonds", "Vivian Wing").
BUSINESS_KINDS = frozenset(
    "bonds bail pawn jewelry jewelers marina florist florists heating cooling towing coworking legal immigration "
    "furniture storage reservations".split()
)
# Phrases after which the next words are a name if they can be one at all.
STRONG_SLOTS = (
    "my name is", "my name's", "name is", "name's", "names is", "first name is", "last name is", "full name is",
    "middle name is", "surname is", "family name is", "name", "first name", "last name", "full name", "middle name",
    "maiden name", "surname", "family name", "call me", "this is", "i'm", "i am", "im", "it's", "its",
    "speaking with", "speak with", "speak to", "speaking to", "talk to", "talking to", "talked to", "spoke with",
    "spoke to", "in memory of", "ask for", "asking for", "is this", "am i speaking with", "under the name",
    "in the name of",
    "name on the account is", "account holder is", "goes by", "mr", "mrs", "ms", "miss", "mister", "missus", "dr",
    "doctor", "prof", "professor",
)  # fmt: skip
# Relations: a name after them is one, in capitals even when it is also an
# everyday word ("my husband Rich"; not "my husband said").
RELATIONS = (
    "husband", "wife", "son", "daughter", "mother", "mom", "mum", "father", "dad", "brother", "sister", "partner",
    "spouse", "fiance", "fiancee", "grandson", "granddaughter", "grandmother", "grandfather", "grandma", "grandpa",
    "nephew", "niece", "aunt", "uncle", "cousin", "friend", "roommate", "landlord", "landlady", "tenant",
    "neighbor", "neighbour", "boss", "coworker", "brother in law", "sister in law", "mother in law",
    "father in law", "son in law", "daughter in law", "brother-in-law", "sister-in-law", "mother-in-law",
    "father-in-law", "son-in-law", "daughter-in-law", "named", "called",
)  # fmt: skip
# Phrases after which a word that is plainly a name is one.
WEAK_SLOTS = (
    "with", "under", "for", "to", "and", "from", "by", "tell", "ask", "thank you", "thanks", "hi", "hello", "hey",
    "bye", "goodbye", "take care", "dear", "alright", "all right", "okay", "ok", "sorry", "yes", "yeah", "no",
    "caregiver", "co-signer", "cosigner", "beneficiary", "authorized user",
)  # fmt: skip
INFLECTIONS = ("ing", "ed", "es", "er", "ers", "ly", "able", "ment", "ments")
ENGLISH_PREFIXES = frozenset("co re un non pre post auto over under out self anti sub".split())
NUMBER_WORDS = frozenset("zero one two three four five six seven eight nine ten eleven twelve hundred thousand".split())
# The shortest unknown lowercase word read as a name: shorter ones are more often a stray fragment.
MINIMUM_UNKNOWN = 4
FILLERS = frozenset("uh um umm uhh er erm ah hmm oh like so well yeah".split())
# Small words inside compound names: "yusuf al harbi", "van der Berg", "bin Khalid", "Kiri Te Awa".
PARTICLES = frozenset(
    "al el de la del da das dos des di du van von der den ter te bin ibn bint abu ben ul ud le mac los las".split()
)
# Syllables of Korean and Chinese given names, which speech recognition
# writes as two words ("min jun", "young sook", "xiao ming"): next to a name
# word that is one of them, one of them is part of the name even where it is
# also English ("min", "young").
GIVEN_NAME_SYLLABLES = frozenset(
    """
    min jun ji woo young sook hyun dong seo yeon soo jin hye won eun seung jae kyung mi jung sun hee yong chul
    sung hoon bin ye tae kwang myung su yoon hwa ja suk joon jun kyu gyu hyo hyuk seon yeop rim ra
    xiao wei ming hui ying jia yi xin yu hao zhi mei lan fang hong jing qing ling yan xiu zhen lei tao chen
    yun feng bo chun li won ho
    thu hang mai linh anh huong ngoc thi duc minh tuan hoa trang phuong thao hieu quang
    """.split()
)
# Surnames that are also English words, joined after a given name of two syllables.
EAST_ASIAN_SURNAMES = frozenset("park song moon hong kang young lee kim choi chung jung han ko yoo oh".split())
# Particles joined to a surname by a hyphen.
_HYPHEN_PARTICLES = frozenset("al el abu abd bin ibn bint ben ould".split())
# What says a town's name is the town: "in Tacoma", "drove to Reno", "Boise, Idaho", "Dayton 45402".
PLACE_BEFORE = frozenset(
    "in to from at near outside around visiting visit moved move live lives living drove flew fly flight located "
    "based downtown of through via toward towards".split()
)
SPELLING_CONTEXT = re.compile(r"\b(?:spell(?:ed|s|ing)?|letters?|capital|as in|name)\b", re.I)
# A non-person entity of the statistical recogniser vetoes a lexicon-only
# name ("Chase Bank", "St. Louis"); see NameFinder._vetoed.
NOT_PERSON_LABELS = frozenset({"ORG", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "NORP", "LAW"})
BUSINESS_LABELS = frozenset({"ORG", "FAC", "PRODUCT"})
_BUSINESS_MARK = re.compile(
    r"&|\band\b|['’]s\b|\b(?:bank|group|inc|llc|co|company|corp|store|shop|pharmacy|clinic)\b", re.I
)
# Capitalised words that begin no name: never worth the recogniser's time.
HOLIDAYS = frozenset("christmas easter thanksgiving halloween hanukkah kwanzaa passover ramadan diwali".split())
NEVER_CAPITALISED_NAMES = (
    NOT_NAMES
    | HOLIDAYS
    | frozenset("visa mastercard amex discover ok okay id dob ssn pin zip usa us apt suite".split())
    # Brands and apps said like names: "we accept PayPal, Venmo…", "a black Samsonite".
    | frozenset("venmo paypal samsonite frigidaire maytag kenmore whirlpool".split())
)
# The endings of medicines' generic names, from the stems of the US Adopted Names scheme
# ("atorvastatin", "lisinopril", "amoxicillin", "amlodipine"). Only endings that no more than a
# few listed names share ("-sone", "-lone", "-done" and "-mide" are left out: Carosone, Anzalone,
# Olumide): a medicine said in a pharmacy's call is no person, a listed name is never one.
MEDICINE_ENDINGS = tuple(
    "statin pril olol sartan dipine cillin mycin micin cycline floxacin prazole tidine afil oxetine triptan formin "
    "gliptin glitazone lukast setron dronate parin navir tinib zumab ximab zepam zolam profen triptyline pramine "
    "barbital conazole vudine ciclovir semide thiazide terol tropium peridone zodone pirone azepine gabalin pentin "
    "oxone codone morphone xaban gatran pidogrel fibrate".split()
)


def medicine(word: str, known: NameLexicon) -> bool:
    """A medicine's generic name: seven letters or more, with an ending of ``MEDICINE_ENDINGS``,
    and no listed name."""
    folded = fold(word)
    return len(folded) >= 7 and folded.endswith(MEDICINE_ENDINGS) and not known.is_name(folded)


# Businesses, brands and landmarks that bear a person's name, as folded
# words: read as a person only where a slot says so ("my name is Wells").
_HAND_PICKED = frozenset(
    tuple(name.split())
    for name in (
        "dr pepper", "wells fargo", "calvin klein", "ralph lauren", "tommy hilfiger", "kate spade", "michael kors",
        "tory burch", "estee lauder", "hugo boss", "vera wang", "oscar de la renta", "marc jacobs", "levi strauss",
        "lockheed martin", "ronald mcdonald", "frank lloyd wright", "martin luther king", "ronald reagan",
        "will rogers", "sloan kettering", "jackson hewitt", "charles schwab", "edward jones", "raymond james",
        "john hancock", "morgan stanley", "goldman sachs", "jp morgan", "john deere", "harley davidson",
        "mercedes benz", "rolls royce", "aston martin", "sherwin williams", "smith wesson", "dr scholl's",
        "dr scholls", "trader joe's", "papa john's", "ben jerry's", "johnson johnson", "kaiser permanente",
        "johns hopkins", "cedars sinai", "mayo clinic", "walt disney", "disney", "dick's sporting", "marriott",
        "hilton", "lincoln financial", "lincoln mercury", "lincoln center", "lincoln park", "carnegie hall",
        "madison square", "george washington", "jefferson memorial", "penn station", "grand central",
        "hope diamond", "joy luck", "ruth's chris", "carl's jr", "wendy's", "lowe's", "kohl's", "macy's",
        "dillard's", "mcdonald's", "denny's", "arby's", "chick fil a", "hewlett packard", "bose", "zelle",
        "ace hardware", "allen edmonds", "ann taylor", "tom ford", "kenneth cole", "anne klein", "betty crocker",
        "uncle ben's", "aunt jemima", "sara lee", "marie callender's", "jimmy dean", "orville redenbacher",
        "paul mitchell", "john frieda", "dr martens", "dr seuss", "t rowe price", "price chopper",
        "st jude", "st luke's", "st mary's", "mercy general", "best buy", "kaiser", "jeep grand", "kroger",
        "publix", "meijer", "wegmans", "nordstrom", "hunter douglas", "pella", "cherry garcia", "cherry coke",
        "stuart little", "charlotte's web", "jack in the box", "safari", "baskin robbins", "dunkin",
        "little caesars", "chuck e cheese", "dave busters", "panera", "tim hortons", "jack daniel's",
        "jimmy john's", "famous amos", "ben franklin", "benjamin moore", "mrs fields", "jenny craig",
    )
)  # fmt: skip
# And about a thousand more from ``eponyms.txt``, compiled for the product from general knowledge.
LISTED_EPONYMS = frozenset(
    tuple(line.split())
    for line in (Path(__file__).with_name("eponyms.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)
EPONYMS = _HAND_PICKED | LISTED_EPONYMS


def _unmarked(word: str) -> str:
    """A word as raw speech recognition may write it, without its apostrophe: "jerrys", "daniels"."""
    return word.replace("'", "")


# Matched without apostrophes, and with any "and" between the names skipped: "Ben & Jerry's",
# "ben and jerrys", "Jack Daniels".
_EPONYMS_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _eponym in EPONYMS:
    _EPONYMS_BY_FIRST.setdefault(_unmarked(_eponym[0]), []).append(tuple(map(_unmarked, _eponym)))
# The listed ones (``eponyms.txt``) as matched: what makes one a person's is read more closely
# (``_said_as_a_person``) than for the hand-picked ones.
_LISTED_BY_UNMARKED = frozenset(tuple(map(_unmarked, eponym)) for eponym in LISTED_EPONYMS - _HAND_PICKED)
# "Tier 2", "Series 7": a word and a number name a level or a model.
_NUMBER_AFTER = re.compile(r"\s\d")
# "mark is my husband", "Ebere's my daughter": a name, then who the person is
# (the relations without "named" and "called", which end the list).
_RELATION_AFTER = re.compile(r"(?:\s+is|\s+was|['’]s)\s+my\s+(?:" + "|".join(RELATIONS[:-2]) + r")\b", re.IGNORECASE)
_MY_RELATION = re.compile(
    r",?\s+my,?\s+(?:my\s+)?(?:" + "|".join((*RELATIONS[:-2], "youngest", "oldest", "eldest", "baby", "kid")) + r")\b",
    re.IGNORECASE,
)
# A name answering the phone: "Grant speaking.", "This is Dana. Dana speaking".
_SPEAKING = re.compile(r",?\s+speaking\b", re.IGNORECASE)
# A name explained after it is said: "june like the month", "dallas like the city", "sunjay with a u".
_NAME_EXPLAINED = re.compile(
    r",?\s+(?:like the (?:word|month|city|town|state|season|weather|flower|color|colour|bank|name|singer|actor|"
    r"country|river|tree|castle|jeans|car|holiday|virtue|gem|stone|spice)\b|with an? [a-z]\b(?!['’\w]))",
    re.IGNORECASE,
)
# "the corner of Sterling and Grant": streets.
_STREET_CORNER = re.compile(r"\b(?:corner|intersection) of\s+(?:\w+\s+(?:and|&)\s+)?$", re.IGNORECASE)
# Two streets where they cross, after a word of where: "a fiber cut near Devon and Western", "Bus
# 14 stops at Western and Jackson"; not "at Devon and Mark's".
_CAPITALISED = r"(?-i:[A-Z])[\w'’-]*"
_CROSSING_BEFORE = re.compile(
    rf"\b(?:near|at|on)\s+(?P<other>(?P<first>(?:{_CAPITALISED}\s+){{1,2}})(?:and|&)\s+)?$", re.IGNORECASE
)
# The other street after, then where the crossing's words end: a stop, or a word of where ("…and
# Western. Crews…", "…and Howard, near the school"), never a verb ("…and Jennifer gets off").
_CROSSING_AFTER = re.compile(
    rf"(?P<other>\s+(?:and|&)\s+(?P<second>{_CAPITALISED}(?:\s+{_CAPITALISED})?))?"
    r"(?=\s*(?:[,.!?;]|$)|\s+(?:at|on|in|near|by|where|which|intersection|corner|area|streets?|avenues?|roads?)\b)"
)
# What a crossing is named for, said in its sentence: not a street or a lot alone ("the house on Maple
# Street is on Mark and Jennifer").
_AT_A_CROSSING = re.compile(
    r"\b(?:corner|intersection|cross\s?streets?|stops|bus(?:es)?|train|cut|outage|crews?|construction|closure|"
    r"detour|traffic|lights?|signal|exit|accident|crash|streetlight|pothole|turn (?:left|right))\b",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"['’]s\b")
# Where a person is named: "please send it care of …", "The patient is …", "you've reached …".
_A_PERSON_BEFORE = re.compile(
    r"\b(?:care of|c/o|made out to|payable to|you've reached|you have reached|patient is|holder is|would be|"
    r"it was|caller:|customer:|agent:|add|added|sign(?:ed)? by|authorized user)[^\S\n]*$",
    re.IGNORECASE,
)
# A slot a brand fills as well as a person: "It's Lincoln Mercury, not Lincoln Financial".
_A_THING_TOO = frozenset({("it's",), ("its",), ("it", "is")})
# Words a brand's name is said after: "at Fred Meyer", "the Martha Stewart collection".
_A_THING_S_WORDS = frozenset("at from the a an".split())
# A lowercase word after a name, no word that joins a sentence: "Taylor Swift tickets", not "add Ashley
# Stewart as an authorized user".
_LOWERCASE_AFTER = re.compile(
    r"[^\S\n]+(?!(?:as|at|in|on|for|to|with|from|by|about|if|when|that|who|because|so|but|and|or|too|also|"
    r"again|yesterday|today|tomorrow|last|next|this|there|here|now|then|please)\b)(?-i:[a-z])[\w'’-]*"
)
_BRAND_JOINED = re.compile(r"[^\S\n]+(?:or|and|&)[^\S\n]+(?-i:[A-Z])", re.IGNORECASE)
_BRAND_JOINED_BEFORE = re.compile(r"(?-i:[A-Z])[\w'’-]*[^\S\n]+(?:or|and|&)[^\S\n]+$", re.IGNORECASE)
_WORDS = re.compile(r"[^\W\d_]+")
# A town's office or store, two of them joined: "Our Jackson office", "the Eugene and Salem offices".
_PLACE_S_OFFICE_BEFORE = re.compile(rf"\b(?:our|the|their|your)\s+(?:{_CAPITALISED}\s+(?:and|&)\s+)?$", re.IGNORECASE)
_PLACE_S_OFFICE_AFTER = re.compile(
    rf"(?:\s+(?:and|&)\s+{_CAPITALISED})?\s+(?:office|offices|location|locations|branch|branches|store|stores|"
    r"clinic|clinics|campus)\b",
    re.IGNORECASE,
)
# A call's menu offering another language: "Para español, oprima dos."
_LANGUAGE_MENU_WORDS = frozenset({("para",), ("pour",), ("per",), ("en",), ("auf",)})
_LANGUAGE_AFTER = re.compile(
    r"\s+(?:español|espanol|français|francais|português|portugues|italiano|deutsch|tagalog|tiếng việt)\b",
    re.IGNORECASE,
)


def _a_place_not_a_person(text: str, start: int, end: int) -> bool:
    """The words at ``start:end`` name a place where they cross another street (``_street_crossing``)
    or a town's office ("Our Jackson office"), or open a menu in another language ("Para
    español"): no person's name."""
    said = tuple(fold(word) for word in _WORDS.findall(text, start, end))
    if said in _LANGUAGE_MENU_WORDS and _LANGUAGE_AFTER.match(text, end):
        return True  # not "Ana Francais"
    if (
        said in places.load().cities
        and _PLACE_S_OFFICE_BEFORE.search(text, max(0, start - 40), start)
        and _PLACE_S_OFFICE_AFTER.match(text, end)
    ):
        return True  # a town's: not "Our Dana office", "the Jennifer Whitaker office"
    return _street_crossing(text, start, end)


def _street_crossing(text: str, start: int, end: int) -> bool:
    """The words at ``start:end`` are one of two streets said where they cross, the other said
    before or after them (``_CROSSING_BEFORE``, ``_CROSSING_AFTER``), in a sentence about a place
    (``_AT_A_CROSSING``): no person's name."""
    before = _CROSSING_BEFORE.search(text, max(0, start - 48), start)
    after = _CROSSING_AFTER.match(text, end)
    if before is None or after is None or (before.group("other") is None) == (after.group("other") is None):
        return False
    if _POSSESSIVE.search(text, start, after.end() + 2):
        return False  # "at Devon and Mark's"
    # The other street is no one's first name ("Devon and Western", "Western and Jackson"): not "Emma
    # and Noah", "Mark and Jennifer", "Emma and Noahs".
    other = before.group("first") or after.group("second")
    given = lexicon.load().given
    for word in _WORDS.findall(other):
        folded = fold(word)
        if folded in given or (folded.endswith("s") and folded[:-1] in given):
            return False
    sentence_start = max(
        (match.end() for match in SENTENCE_END.finditer(text, max(0, start - 160), start)), default=max(0, start - 160)
    )
    sentence_end = SENTENCE_END.search(text, end)
    return _AT_A_CROSSING.search(text, sentence_start, sentence_end.start() if sentence_end else len(text)) is not None


# A ZIP code just before: "Caller: 43085. Agent: Okay, Worthington."
_ZIP_BEFORE = re.compile(r"(?<![\w$.,-])(?:\d{5}|\[ZIP_CODE\])[.,]?\s+(?:\w+:\s+)?(?:\w+,\s+)?$")
# A surname's family or home: "the Yıldız household", "the Okafor family".
_FAMILY_AFTER = re.compile(r"\s+(?:family|household|residence|kids|twins)\b", re.IGNORECASE)
# Words before a name that make it a thing's: "the Hilton", "a Jack Max router", "on Jefferson" (a street).
NOT_A_PERSON_BEFORE = frozenset("the a an on".split())
# Words after a month's name that make it the month: "May Day", "April Fools".
CALENDAR_WORDS = frozenset("day days fools showers break madness sale sales special bride brides rain snow".split())
# Prepositions before a month's name that make it the month: "the bill from May", "move it to June".
MONTH_BEFORE = frozenset(
    "in from to for since until till by during before after through last next this early late mid of".split()
)
# Spelling words: "m as in mary", "double s", "el dash amin", "o apostrophe b r i e n".
SPELLING_JOINERS = frozenset("dash hyphen apostrophe space".split())

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_PLACE_AFTER = re.compile(
    r",?\s+(?:[A-Z]{2}\b|\d{5}\b|\[ZIP_CODE\]|(?i:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)(?:\s+\w+){4}\b)|(?i:"
    + "|".join(sorted(STATE_NAMES, key=len, reverse=True))
    + r")\b)"
)
# "Chase, the bank": a word said again as what it also names.
_BUSINESS_AFTER = re.compile(r",?\s+(?:the|a|an)\s+(?:bank|store|company|brand|app|shop|place)\b|\s+like the\b", re.I)
# A town in a written address: after a comma or "in", before a ZIP code or a state.
_TOWN_AFTER = re.compile(
    r",?\s+(?:[A-Z]{2}\b|\d{5}\b|\[ZIP_CODE\]|(?i:" + "|".join(sorted(STATE_NAMES, key=len, reverse=True)) + r")\b)"
)
# "in marfa seven nine eight four three": a town said before its ZIP code.
_IN_TOWN_SPOKEN = re.compile(
    r"\s+(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)(?:\s+(?:zero|oh|one|two|three|four|five|six|"
    r"seven|eight|nine)){4}\b",
    re.IGNORECASE,
)
_TOWN_BEFORE = re.compile(
    r"(?:,|\bin|\bit's|\[ADDRESS\]|\b(?i:street|st|avenue|ave|road|rd|drive|dr|lane|ln|court|ct|way|boulevard|blvd|place|pl)\.?)\s+$"
)
# Two capitals after a name that are no state: "Jordan, OK?" asks, "Lee, MD" is a title.
_PLACE_AFTER_NOT_TOWN = re.compile(r",?\s+(?:OK|MD|ID|IT|US|PA|ME|OR|IN|HI)\b")
# Words after which a name is a street's or a business's: "Baker Street", "Hope Credit Union".
STREET_OR_BUSINESS = frozenset(
    "street st avenue ave road rd boulevard blvd lane ln drive dr court ct way place pl terrace circle parkway "
    "highway trail square bank credit union market store stores shop pharmacy insurance group clinic hospital "
    "motors auto dental medical foods hardware bakery cafe grill restaurant hotel inn plaza mall center centre "
    "college university school church academy brothers building plan promotion promo program rewards feature "
    "pickup location locations pay day eve "
    # Places and things named after people: "Penn Station", "Chase Field", "the Brown Line", "Hope Springs".
    "station field line springs canyon airport elementary high middle club tour house hall plant ballpark "
    "stadium arena museum library theater theatre tower bridge lake river beach island garden gardens zoo "
    "memorial bundle package exhibit retreat diamond saver awards turnpike tunnel expressway freeway "
    "foundation institute hospice pavilion terminal harbor harbour falls heights hills village county community "
    "general blue pink purple orange yellow navy teal beige maroon "
    # Services and product lines: "Sterling Home Services", "Baptist Health", "Prime members", "the Max add-ons".
    "services solutions systems associates partners realty properties health healthcare members membership "
    "tier tiers subscription add-on add-ons addon addons "
    # Churches, creeks, day cares and food trucks: "Hope Lutheran", "Stevens Creek", "Jack and Jill daycare".
    "lutheran baptist methodist presbyterian catholic episcopal chapel creek daycare truck premium "
    # Trades and firms: "Hollis Roofing LLC", "Carter Plumbing", "Reyes Law".
    "roofing plumbing electric landscaping construction contractors llc inc corp corporation company ltd law firm "
    "agency veterinary logistics trucking wireless telecom energy utilities financial mortgage lending investments "
    "airlines airways cleaners salon spa fitness studio studios rental rentals "
    # What a business calls itself after its name: "Marlow Hotels", "Westbrook Unified", "Prairie
    # Freight". Not a person's desks: "Dr. Pillai's office".
    "hotels resorts resort suites freight shipping movers unified district outdoor outdoors outfitters apparel labs "
    "diagnostics imaging pediatrics optical".split()
)
# What a utility, a shop or a university calls itself after its name ("Metro Gas", "Tri-County Power",
# "Harbor Kitchen", "Portland State") that is also a surname or follows a name in speech ("Samantha
# Power", "this is maria internet is down"): a business's only in capitals and after no first name
# (``NameFinder._utility``).
UTILITY_WORDS = frozenset("power gas water cable internet storage kitchen supply meals state tech".split())
# What a person owns: after a possessive name these are the person's, not a
# business's ("Maksim's plan", "Frank's line"), unlike "Macy's store".
PERSONAL_THINGS = frozenset(
    "plan line house promotion promo program rewards feature pickup location bundle package tier membership "
    "subscription account".split()
)
# A person's records and relatives, after a possessive name: "Abimbola's file", "Oluwaseun's order".
_BELONGING_AFTER = re.compile(
    r"\s+(?:(?:new|old|last|latest|other|own|current)\s+)?(?:file|files|note|notes|order|orders|card|account|"
    r"accounts|claim|claims|appointment|appointments|phone|number|email|e-mail|profile|record|records|request|case|"
    r"policy|prescription|payment|payments|bill|refund|room|car|mom|mum|dad|mother|father|husband|wife|son|"
    r"daughter|brother|sister|kids|baby|boyfriend|girlfriend|partner|grandmother|grandfather|grandma|grandpa|"
    r"landlord|birthday|voicemail|message|messages|application|chart|visit|results|medication|medications)\b",
    re.IGNORECASE,
)
# What follows a possessive name when it is people's: "Maria and Ben's (joint) account", "… house".
_OWNED_BY_PEOPLE = re.compile(
    rf"(?:\s+(?:joint|shared))?(?:{_BELONGING_AFTER.pattern}|\s+(?:{'|'.join(sorted(PERSONAL_THINGS))})\b)",
    re.IGNORECASE,
)
# Levels of a plan or a card that are also surnames or first names ("Upgrade
# to Gold", "drop down to Silver"): a name only where a strong slot says so.
TIERS = frozenset(
    "gold silver bronze platinum titanium diamond premium premier elite basic standard essential essentials starter "
    "deluxe ultimate unlimited preferred signature".split()
)
# What says a name is said: a slot before it, or "here" or "speaking" after it.
_NAMING_BEFORE = re.compile(
    r"\b(?:this is|it's|it is|its|i'm|i am|name is|name's|speaking with|spoke with|talk to|talked to|"
    r"ask for)[,:]?\s+$",
    re.IGNORECASE,
)
_NAMED_AFTER = re.compile(r",?\s+(?:here|speaking)\b", re.IGNORECASE)
_CAPITALISED_WORD = re.compile(r"[^\S\n]+(?P<word>(?-i:[A-Z])\w*)\b")
_NOT_A_PERSON_AFTER = re.compile(
    r"\s+(?:" + "|".join(sorted(STREET_OR_BUSINESS, key=len, reverse=True)) + r")\b\.?", re.IGNORECASE
)


def _thing_after(text: str, word: Word) -> bool:
    return thing_after(text, word.start, word.end)


def thing_after(text: str, start: int, end: int) -> bool:
    """A street or business word follows the name ending at ``end`` ("Baker Street", "Hope
    Credit Union"), but not a thing a person owns after a possessive ("Maksim's plan")."""
    following = _NOT_A_PERSON_AFTER.match(text, end)
    if following is None:
        return False
    possessive = text.endswith(("'s", "’s"), start, end)
    return not (possessive and following.group().strip().rstrip(".").lower() in PERSONAL_THINGS)


_SPELLING_ALPHABET = re.compile(r"(?<![\w'’])[A-Za-z],?\s+(?:as\s+in|like|for)\s+$", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
# A pronoun that takes up the name just said: "ask for june she knows", "my grandson august he's".
_RESUMED = re.compile(r"\s+(?:(?:he|she)['’]?s|(?:he|she|they)(?:['’]ll|['’]d)?)\b", re.IGNORECASE)
_APPOSITION_END = re.compile(r",|\s*[.?!]|\s*$|\s+(?:he|she)\b", re.IGNORECASE)
# A pronoun and a verb right after a word: "to will he was helping me", "under grace hunter she's my aunt".
# What "he" or "she" then does, taking up the person just named.
_PRONOUN_VERBS = (
    "is|was|has|had|knows|knew|said|says|needs|works|worked|lives|lived|called|calls|helped|handles|set|does|did|"
    "will|can|should|might|moved|passed"
)
_TAKEN_UP = re.compile(rf",?\s+(?:he|she)(?:['’]?s|['’]ll|\s+(?:{_PRONOUN_VERBS}))\b", re.IGNORECASE)
# Whom an appointment is with: "Your appointment with Grant", "you're booked with, um, Chase".
# Not "booked with Delta", "a meeting with Chase about my mortgage": firms are booked and met with too.
_BOOKED_WITH = re.compile(r"\b(?:appointments?|session|consultation)\s+with,?\s+(?:(?:uh|um),?\s+)?$", re.IGNORECASE)
# What a person does, said after a name: "Grant Thornton called me", "Garth Brooks referred me".
_PERSON_DOES = re.compile(
    rf",?\s+(?:{_PRONOUN_VERBS}|told|tells|referred|came|comes|left|signed|wants|asked|asks|would|died|paid|pays|"
    r"wrote|sent|picked|dropped|answered|spoke|talked|emailed|texted|owes|owns|and (?:i|me|my)|here|speaking|jr|sr)\b",
    re.IGNORECASE,
)
# A pronoun and a verb a few words after a name, in its sentence or opening the
# next: "from hunter at the dealership he said", "Frank called? He'll know.".
# The word just after the name is no article or object, which a verb would
# take ("to chase the payment he said").
_RESUMED_LATER = re.compile(
    r"(?:,?\s+(?!(?:the|a|an|my|your|his|her|their|our|this|these|those|it|them|him|me|us|you|i|we|they|he|she|"
    r"that|some|any|every|all|no|of|up|out|down|on|off|over|around|back)\b)[\w'’-]+)"
    r"(?:,?\s+[\w'’-]+){0,6}?(?:[.?!]|,)?\s+(?:he|she)(?:['’]?s|['’]ll|['’]d|\s+(?:"
    + _PRONOUN_VERBS
    + r"|just|told|gave|uses|used|wants|wanted))\b"
    # Who the person is: "addressed to june that's my aunt".
    # Speech recognition writes "thats" and "hes" as often as "that's" and "he's".
    r"|,?\s+that(?:['’]?s|\s+is)\s+my\s+(?:" + "|".join(RELATIONS[:-2]) + r")\b",
    re.IGNORECASE,
)
# "I need to grant access…": a verb after "to", not a name.
_INFINITIVE_BEFORE = re.compile(
    r"\b(?:need|needs|want|wants|wanted|have|has|had|going|trying|try|able|like|would|wanna|gotta|how|got)\s+to\s+$",
    re.IGNORECASE,
)
# Before the first word of a sentence: its start and a filler or two ("So, uh, Faith from HR…").
_SENTENCE_OPENING = re.compile(
    r"(?:^|[.?!:]\s+|\n)(?:(?:so|uh|um|well|and|yeah|okay|oh)[,\s]+)*(?:that\s+)?$", re.IGNORECASE
)
# Colours: a one-word reply that is one answers "what colour?" ("Brown.").
COLOURS = frozenset("brown black white green gray grey red blue silver gold orange tan".split())
# "the name on the card is …", "name on the account's …": the sentence says a name comes.
_NAME_THEN_IS = re.compile(r"\bname\b[^.?!\n]{0,30}\bis\s$", re.IGNORECASE)


def _in_identifier(character: str) -> bool:
    """A character an identifier or a placeholder is made of (an underscore, a bracket or a
    digit), read either side of a word: "call_sid", "[PERSON]", "v2"."""
    return character != "" and (character in "_[]" or character.isdecimal())


_JOINER = re.compile(r"\s{1,2}|\s?-\s?")
_NUMBER_NEXT = re.compile(
    r"\s*(?:the\s+)?(?:\d|(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty|thirtieth|thirty|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)\b)",
    re.I,
)
# Letters said one by one: "r a m a n", "P-R-I-Y-A", "m as in mary e n s", "h a double d a d",
# "o apostrophe b r i e n", "J-I dash W-O-O".
_LETTER = r"[A-Za-z](?![\w'’])"
_SPELLED_UNIT = rf"(?:(?:double|triple)\s+{_LETTER}|{_LETTER}(?:\s+as\s+in\s+[A-Za-z]+)?)"
_SPELLED_JOIN = r"(?:\s*,?\s+(?:dash|hyphen|apostrophe|underscore),?\s+|[ .,-]{1,3}|\s*-\s*)"
_SPELLED = re.compile(rf"(?<![\w.'’-]){_SPELLED_UNIT}(?:{_SPELLED_JOIN}{_SPELLED_UNIT})+(?![\w'’-])", re.I)
_SPELLED_PART = re.compile(r"\b(double|triple)\s+([a-z])\b|\bas\s+in\s+[a-z]+|\b(?<!')([a-z])\b", re.I)
_SPELLING_WORD = re.compile(r"\b(?:as\s+in|double|triple|dash|hyphen|apostrophe|underscore)\b", re.I)


@dataclass(slots=True)
class Word:
    text: str
    start: int
    end: int
    folded: str
    capitalised: bool
    initial: bool  # first word of a sentence or turn
    name: bool = False  # a first name or surname
    unambiguous: bool = False  # a name and nothing else: not an English word, not a place
    vocabulary: bool = False  # ordinary English, or a place or language
    common: bool = False  # a name that ordinary English also uses often: "bill", "grace"
    place: bool = False  # part of a place or language name
    business_mark: bool = False  # next to "&": "Ben & Jerry's"
    cased: bool = False  # in a text that writes names in capitals: a lowercase word there is no name
    answers_question: bool = False  # in a reply of one to three capitalised words to the question before it
    marker: bool = (
        False  # a speaker's label ("Caller:") or part of an identifier or placeholder ("call_sid", "[PERSON]")
    )
    spelt: bool = False  # a letter said in the spelling alphabet: "Quebec, Juliet, 4, 8"
    answers_for_a_person: bool = False  # answers a question for a person: "What's the name on the account?"


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    score: float


def _phrases(phrases: Sequence[str]) -> dict[int, frozenset[tuple[str, ...]]]:
    by_length: dict[int, set[tuple[str, ...]]] = {}
    for phrase in phrases:
        words = tuple(phrase.split())
        by_length.setdefault(len(words), set()).add(words)
    return {length: frozenset(items) for length, items in sorted(by_length.items(), reverse=True)}


_STRONG = _phrases(STRONG_SLOTS)
_RELATIONS = _phrases(RELATIONS)
_WEAK = _phrases(WEAK_SLOTS)
# Each table with the words its phrases end on: most words end none, and
# ``_phrase_before`` then builds no phrase to look up.
_SLOT_TABLES = tuple(
    (table, frozenset(phrase[-1] for phrases in table.values() for phrase in phrases))
    for table in (_STRONG, _RELATIONS, _WEAK)
)
# Strong slots that may also introduce a place: "it's Bellevue", "is this Reno?".
_NOT_NAMING = frozenset({("it's",), ("its",), ("is", "this")})
# Strong slots that ordinary words follow too: "i'm never home", "this is great".
_LOOSE = _NOT_NAMING | {("i'm",), ("i", "am"), ("im",), ("this", "is")}
# Verbs said straight after a name: "Dr. Okafor will see you", "Mr. Lee said to call".
_SAID_AFTER_A_NAME = frozenset(
    "will may can has had said left says called wants needs would could should might must does did gave told asked "
    "sent signed saw sees is was".split()
)
_INTRODUCING = frozenset({("this", "is"), ("it's",), ("its",), ("i'm",), ("im",)})
_THANKS = frozenset(tuple(phrase.split()) for phrase in ("thank you", "thanks", "bye", "goodbye", "take care"))
# What anyone is called in thanks: "thanks buddy", "bye love".
_SAID_TO_ANYONE = frozenset(
    "dear honey hon hun sweetie sweetheart darling babe baby boo buddy bud pal mate boss champ love man dude bro sis "
    "sir son kid friend doc guys folks everyone".split()
)
_TURN_ENDS = re.compile(r"[.!]*[^\S\n]*(?:\n|$)")
_GREETINGS = frozenset(
    tuple(phrase.split())
    for phrase in ("thank you", "thanks", "hi", "hello", "hey", "bye", "goodbye", "take care", "dear", "alright",
                   "all right", "okay", "ok", "sorry", "yes", "yeah", "no", "i'm", "i am", "it's", "this is")
)  # fmt: skip


def _spelling(text: str, tokens: list[re.Match[str]], folded: list[str]) -> list[bool]:
    """Which words are letters said in the spelling alphabet: in a run of letters and digits
    said one at a time that holds one that is no name or three of them (``spelled_in_the_alphabet``:
    "Quebec, Juliet, 4, 8, whiskey, Romeo", "alpha seven bravo three"); not "Victor Lima",
    "Mike, 7, Juliet, 5", "Romeo and Juliet"."""
    spelt = [False] * len(tokens)
    if not any(form in SPELLING_ALPHABET for form in folded):
        return spelt
    starts = [token.start() for token in tokens]
    for run in _runs_at_word_starts(_SPELT_RUN, text):
        words = [word.lower() for word in _ALPHABET_WORD.findall(run.group())]
        if len(_SPELT_PART.findall(run.group())) >= 2 and words and spelled_in_the_alphabet(words):
            for index in range(bisect.bisect_left(starts, run.start()), bisect.bisect_left(starts, run.end())):
                spelt[index] = folded[index] in SPELLING_ALPHABET
    return spelt


_ALPHABET = "|".join(SPELLING_ALPHABET)
_ALPHABET_WORD = re.compile(rf"\b(?:{_ALPHABET})\b", re.IGNORECASE)
_SPELT_PART = re.compile(
    rf"(?<![\w'’])(?:(?!a\b|i\b)[a-z0-9]|zero|oh|one|two|three|four|five|six|seven|eight|nine|{_ALPHABET})(?![\w'’])",
    re.IGNORECASE,
)
_SPELT_RUN = re.compile(rf"{_SPELT_PART.pattern}(?:[\s,.-]{{1,3}}{_SPELT_PART.pattern})+", re.IGNORECASE)
# Where a word begins: the only places a run can, as its first part is a whole word.
_WORD_START = re.compile(r"(?<![\w'’])\w")


def _runs_at_word_starts(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern that matches only from a word's start, tried
    only there: a fifth of the places ``finditer`` would try."""
    reached = 0
    for start in _WORD_START.finditer(text):
        if start.start() >= reached and (run := pattern.match(text, start.start())):
            yield run
            reached = max(run.end(), start.start() + 1)


_STARTS = operator.attrgetter("start")  # a word's start, to find it among a text's words by bisection


class NameFinder:
    def __init__(self, lexicon: NameLexicon, entities: EntityFinder | None) -> None:
        self.lexicon = lexicon
        self.places = places.load()
        self.entities = entities

    def find(self, text: str, *, known_names: Iterable[str] = (), words: list[Word] | None = None) -> list[Found]:
        """The names in ``text``; ``words`` are its ``words_of``, where the caller has them."""
        words = self.words_of(text) if words is None else words
        person_spans, others = self._recognised(text, words)
        found = [Found(start, end, 0.85) for start, end in person_spans]
        taken = [False] * len(words)
        for first, last in self._restarts(words, text):
            for position in range(first, last + 1):
                taken[position] = True
            found.append(Found(words[first].start, words[last].end, 0.8))
        for index in range(len(words)):
            if taken[index]:
                continue
            span = self._name_at(words, index, text, others)
            if span is not None:
                first, last, score = span
                for position in range(first, last + 1):
                    taken[position] = True
                found.append(Found(words[first].start, words[last].end, score))
        found += self._again(words, found, taken, text)
        found += self._possessive(words, found, text)
        found += self._alternatives(words, found, text)
        found += self._dashed(words, found, text)
        found += self._spelled(text, found)
        found += _said_otherwise(text, found)
        found += _known(text, known_names)
        return found

    def _again(self, words: list[Word], found: list[Found], taken: list[bool], text: str) -> list[Found]:
        """A name said again in the same text, alone: "I'm calling for Ebere.
        Ebere's my daughter", "the holder is grant mcallister no grant
        mcallister", "My wife is Comfort Mensah. Comfort…". Written as it was the first time
        (a capitalised name again in capitals), and not where what surrounds
        it makes it a thing's ("Rose Chase … called Chase, the bank"). A word
        no lexicon knows, said first in capitals, is the name again in
        lowercase: "Or Babab babab"."""
        if not found:
            return []
        starts = [word.start for word in words]
        covered = [False] * len(words)
        for item in found:
            for position in range(bisect.bisect_left(starts, item.start), len(words)):
                if words[position].start >= item.end:
                    break
                covered[position] = True
        said: set[str] = set()
        unknown: set[str] = set()  # no English word: the same however it is written
        for index, word in enumerate(words):
            if taken[index] or covered[index]:
                if word.name or not word.vocabulary:
                    if len(word.folded) > 1 and word.folded not in NOT_NAMES and word.folded not in TITLES:
                        said.add(word.text.removesuffix("'s").removesuffix("’s"))
                        if word.capitalised and not word.vocabulary and not word.name:
                            unknown.add(word.folded.removesuffix("'s"))
        if not said:
            return []
        again = []
        for index, word in enumerate(words):
            bare = word.text.removesuffix("'s").removesuffix("’s")
            if (
                (bare in said or (word.text.islower() and word.folded.removesuffix("'s") in unknown))
                and not covered[index]
                and not any(item.start < word.end and word.start < item.end for item in found)
                and not word.marker
                # "the Volkov" is still the person; "the Hilton" is a thing.
                and (word.unambiguous or not _thing_before(words, index, text, self.lexicon.census_given))
                and not _thing_after(text, word)
                and not (word.vocabulary and _BUSINESS_AFTER.match(text, word.end))
                # "turning 13 in April", "Bill me": the month, the verb.
                and not (
                    word.folded in MONTHS
                    and (_word_before(words, index) in MONTH_BEFORE or _NUMBER_NEXT.match(text, word.end))
                )
                and not (word.common and _OBJECT_AFTER.match(text, word.end))
                # "my name is Georgia … I live in Georgia too", "savannah … in savannah georgia": the place.
                and not (word.place and _word_before(words, index) in PLACE_BEFORE)
                and not _town_and_state(words, index, index, text)
            ):
                again.append(Found(word.start, word.end, 0.7))
        return again

    def _possessive(self, words: list[Word], found: list[Found], text: str) -> list[Found]:
        """A capitalised name that is no English word, whose record or
        relative follows: "let me pull up Abimbola's file", "I'll check
        Oluwaseun's order". Not a business's ("Macy's order") nor a place's."""
        results = []
        for index, word in enumerate(words):
            base = word.folded.removesuffix("'s")
            if not word.capitalised or base == word.folded:
                continue
            name, unambiguous, vocabulary, _ = self._knowledge(base)
            if (
                not word.marker
                and not word.place
                and base not in NOT_NAMES
                and base not in TITLES
                # A name and nothing else, or no word the lexicon knows: "Chase's" and "Apple's" may be businesses.
                and (unambiguous or not (name or vocabulary))
                and (base,) not in EPONYMS
                and (word.folded,) not in EPONYMS
                and _BELONGING_AFTER.match(text, word.end)
                and not _thing_before(words, index, text, self.lexicon.census_given)
                and not any(item.start < word.end and word.start < item.end for item in found)
            ):
                results.append(Found(word.start, word.end - 2, 0.75))
        return results

    def _dashed(self, words: list[Word], found: list[Found], text: str) -> list[Found]:
        """A double-barrelled name said with its hyphen as a word, after it was
        said whole: "Abena Owusu-Ansah, hyphenated, Owusu dash Ansah"."""
        if not found or ("dash" not in text and "hyphen" not in text):
            return []
        said = {fold(part) for item in found for part in re.split(r"[\s-]+", text[item.start : item.end])}
        results = []
        for index in range(1, len(words) - 1):
            if words[index].folded not in ("dash", "hyphen"):
                continue
            left, right = words[index - 1], words[index + 1]
            if (
                _adjacent(text, left, words[index])
                and _adjacent(text, words[index], right)
                and left.folded not in NOT_NAMES
                and right.folded not in NOT_NAMES
                and (left.folded in said or right.folded in said)
            ):
                results.append(Found(left.start, right.end, 0.8))
        return results

    def _alternatives(self, words: list[Word], found: list[Found], text: str) -> list[Found]:
        """A name offered as the other reading of one just said: "Did you say
        Nguyen with an N-G, or Nuyen?", "…is Francis Delaney? Or is it just Frank?"."""
        results = []
        starts = None
        for item in found:
            other = _ALTERNATIVE.match(text, item.end)
            if other is None:
                continue
            if starts is None:
                starts = [word.start for word in words]
            position = bisect.bisect_left(starts, other.start("name"))
            if position >= len(words) or words[position].start != other.start("name"):
                continue
            word = words[position]
            if (
                (word.name or not word.vocabulary)
                and not word.place
                and not word.marker
                and word.folded not in NOT_NAMES
                and word.folded not in MONTHS
                and len(word.folded) > 1
            ):
                results.append(Found(word.start, word.end, 0.75))
        return results

    def words_of(self, text: str) -> list[Word]:
        """The words of a text, each with what the lexicon and the place names say of it."""
        tokens = list(_WORD.finditer(text))
        folded = [_fold(token.group()) for token in tokens]
        in_place = [False] * len(tokens)
        index = 0
        while index < len(tokens):
            if folded[index] not in self.places.first_words:
                index += 1
                continue
            length = places.longest_at(folded, index, self.places.always)
            if not length and (town := places.longest_at(folded, index, self.places.towns)):
                before = folded[index - 1] if index else ""
                after = text[tokens[index + town - 1].end() : tokens[index + town - 1].end() + 24]
                after_address = text[max(0, tokens[index].start() - 12) : tokens[index].start()].endswith("[ADDRESS], ")
                if before in PLACE_BEFORE or _PLACE_AFTER.match(after) or after_address:
                    length = town
            for position in range(index, index + length):
                in_place[position] = True
            index += max(length, 1)
        # A town listed with a place is one too: "our Eugene and Salem offices", "Orlando and Tampa".
        towns = [index for index, form in enumerate(folded) if (form,) in self.places.towns]
        for _ in range(2):
            for index in towns:
                if in_place[index]:
                    continue
                for other in (index - 2, index + 2):
                    if 0 <= other < len(folded) and in_place[other] and folded[(index + other) // 2] in ("and", "or"):
                        in_place[index] = True
        words, previous_end = [], 0
        breaks = [match.start() for match in SENTENCE_END.finditer(text)]
        following_break = 0  # the first sentence end at or after the word before
        spelling = _spelling(text, tokens, folded)
        ampersands = "&" in text
        for token, form, place, spelt in zip(tokens, folded, in_place, spelling, strict=True):
            text_form = token.group()
            start, end = token.span()
            while following_break < len(breaks) and breaks[following_break] < previous_end:
                following_break += 1
            initial = (
                not words
                or (following_break < len(breaks) and breaks[following_break] < start)
                or (":" in text[previous_end:start])
            )
            short_capitals = text_form.isupper() and 1 < len(text_form) <= 5
            capitalised = text_form[0].isupper() and not short_capitals
            label = (
                text.startswith(":", end)  # "Caller:", "Agent:"
                # Part of an identifier or a placeholder ("call_sid", "[PERSON]"): never a name.
                or _in_identifier(text[start - 1 : start])
                or _in_identifier(text[end : end + 1])
                # An acronym ("SIM", "ORD") is no name.
                or (short_capitals and form != "i")
                or spelt
            )
            name, unambiguous, vocabulary, common = self._knowledge(form)
            words.append(
                Word(
                    text_form,
                    start,
                    end,
                    form,
                    capitalised,
                    initial,
                    name and not label,  # name
                    unambiguous and not place and not label,  # unambiguous
                    vocabulary or place or label,  # vocabulary
                    common or place,  # common
                    place,  # place
                    ampersands and "&" in text[max(0, start - 3) : end + 3],  # business_mark
                    False,  # cased
                    False,  # answers_question
                    label,  # marker
                    spelt,  # spelt
                )  # fmt: skip
            )
            previous_end = end
        # "Johnson and Johnson", "Ben and Jerry's": two names joined by "and"
        # into one, the same name twice or the second a possessive, are a business's.
        # A name already redacted ("[PERSON] and dev's") is read as the name it
        # was, so that a second redaction changes nothing.
        for index in range(1, len(words) - 1):
            left, middle, right = words[index - 1], words[index], words[index + 1]
            if (
                middle.folded == "and"
                and (left.name or (left.start > 0 and text[left.start - 1 : left.end + 1] == "[PERSON]"))
                and right.name
                and (
                    left.folded == right.folded
                    or right.text.endswith(("'s", "’s"))
                    or right.folded.endswith("s")
                    and right.folded[:-1] in self.lexicon.given
                )
                # Not a couple's, two first names before what people own: "Priya and Kofi's joint
                # account", "Maria and Ben's kids"; not "my Marks and Spencer's card", "Ben and Jerry's".
                and not (
                    _OWNED_BY_PEOPLE.match(text, right.end)
                    and left.folded in self.lexicon.given
                    and (second := _unmarked(right.folded).removesuffix("s")) in self.lexicon.given
                    and second != left.folded
                    and not {(left.folded, second), (left.folded, _unmarked(right.folded))}
                    & set(_EPONYMS_BY_FIRST.get(left.folded, ()))
                )
            ):
                left.business_mark = right.business_mark = True
        # A text that capitalises words inside its sentences writes names in
        # capitals; an unknown lowercase word in it is a typo or slang ("megs").
        # Read for each turn in what was said up to its end, back as far as a
        # turn's context reaches (``turn_window``): in a whole call, a later turn
        # or an agent's formatted greeting long before doesn't make a caller's
        # raw turn cased, nor does a formatted question for a person's name just before a turn
        # written with no capital at all ("…our Sunflower room. Can I get her name and birthday?" /
        # "her names malia fifita and…").
        evidence = [word.start for word in words if word.capitalised and not word.initial and word.folded != "i"]
        if evidence:
            for line_start, turn in itertools.groupby(words, key=lambda word: text.rfind("\n", 0, word.start) + 1):
                turn = list(turn)
                if line_at(text, line_start).islower() and name_asked_before(text, line_start):
                    continue
                start, end = turn_window(text, turn[0].start)
                first = bisect.bisect_left(evidence, start)
                if first < len(evidence) and evidence[first] < end:
                    for word in turn:
                        word.cased = True
        _mark_answers(text, words)
        return words

    def _english(self, form: str) -> bool:
        """English vocabulary, or made of it: "autopay", "rebook", "coinsurance"."""
        if self.lexicon.is_word(form) or form in NUMBER_WORDS:
            return True
        if len(form) >= 6 and self._inflected(form):
            return True
        return len(form) >= 6 and any(
            self.lexicon.is_word(form[:cut]) and self.lexicon.is_word(form[cut:])
            for cut in range(2, len(form) - 2)
            if form[:cut] in ENGLISH_PREFIXES or (cut >= 3 and len(form) - cut >= 3)
        )

    def _inflected(self, form: str) -> bool:
        """An English word with an ending the vocabulary list lacks: "debiting", "rebooked", "autopaying"."""
        for suffix in INFLECTIONS:
            if form.endswith(suffix) and len(form) - len(suffix) >= 3:
                stem = form[: -len(suffix)]
                candidates = [stem, stem + "e"]
                if len(stem) > 3 and stem[-1] == stem[-2]:
                    candidates.append(stem[:-1])  # "stopping"
                if any(self.lexicon.is_word(candidate) for candidate in candidates):
                    return True
        return False

    @functools.lru_cache(maxsize=100_000)  # noqa: B019  (one finder per process, for its life)
    def _knowledge(self, form: str) -> tuple[bool, bool, bool, bool]:
        """Whether a folded word is a name, only a name, English vocabulary, and a name English uses often.
        "Jae-won" and "Gutiérrez-Vega" are names when all their parts are."""
        lexicon = self.lexicon
        parts = [part for part in form.split("-") if part] if "-" in form else [form]
        if len(parts) == 2 and parts[0] in _HYPHEN_PARTICLES and len(parts[1]) >= 3:
            return True, True, False, False  # "Al-Farsi", "El-Amin", "Abu-Bakr": a surname, whatever follows
        name = lexicon.is_name(form) or all(lexicon.is_name(part) for part in parts)
        vocabulary = lexicon.is_word(form) or (
            not name and (self._english(form) or (len(parts) > 1 and all(self._english(part) for part in parts)))
        )
        unambiguous = not vocabulary and (
            lexicon.is_unambiguous_name(form)
            or (name and len(parts) > 1 and any(lexicon.is_unambiguous_name(part) for part in parts))
        )
        return name, unambiguous, vocabulary, lexicon.is_common(form)

    # The statistical recogniser ------------------------------------------------------------

    def _recognised(self, text: str, words: list[Word]) -> tuple[list[tuple[int, int]], list[Span]]:
        if self.entities is None:
            return [], []
        candidates = {word.start for word in words if self._worth_reading(word)}
        persons, others = [], []
        for span in self.entities.find(text, candidates):
            if span.label == "PERSON":
                trimmed = self._trim(text, [word for word in words if span.start <= word.start < span.end])
                first = next((index for index, word in enumerate(words) if trimmed and word.start == trimmed[0]), None)
                if first is None:
                    continue
                if first and words[first - 1].folded in TITLES and self._eponym(words, first - 1, first, text):
                    continue  # "Dr. Scholl's", "Dr Pepper"
                if _slot_before(words, first, text) == "strong" and _phrase_before(words, first, text) not in _LOOSE:
                    persons.append(trimmed)
                    continue
                last = first
                while last + 1 < len(words) and words[last + 1].end <= trimmed[1]:
                    last += 1
                if not self._not_a_person(words, first, last, text, strict=True):
                    persons.append(trimmed)
            elif span.label in NOT_PERSON_LABELS:
                others.append(span)
        return persons, others

    @staticmethod
    def _worth_reading(word: Word) -> bool:
        """A capitalised word that the lexicon can't settle alone: a name that
        is also a word ("Will", "Grace", "Chase") or a word it doesn't know
        ("Walgreens", "Oyelaran"). Not a word that is only a name (the
        lexicon settles it), an ordinary word or a place (no name by
        itself), nor the first word of a sentence unless it is unknown: the
        recogniser costs too much to read every capitalised word."""
        if not word.capitalised or len(word.text) < 2 or word.folded in NEVER_CAPITALISED_NAMES or word.marker:
            return False
        if word.folded in TIERS:
            return False
        if "-" in word.text and len(word.text.replace("-", "")) * 2 - 1 == len(word.text):
            return False  # spelled out, "E-Z-E"
        unknown = not word.name and not word.vocabulary
        if word.initial:
            return unknown
        if word.text.endswith(("'s", "’s")) or word.business_mark:
            return True  # "Macy's", "Johnson & Johnson": the recogniser tells a business
        return unknown or (word.name and word.vocabulary and not word.unambiguous and word.folded not in MONTHS)

    def _vetoed(self, word: Word, text: str, others: list[Span]) -> bool:
        """Inside what the recogniser calls something else. The small model
        often calls names it hasn't seen places or products ("Krishnan",
        "Kofi"), so a word that is only ever a name is vetoed only by a
        business's name that shows it is one: "Trader Joe's", "Johnson & Johnson"."""
        for span in others:
            if span.start <= word.start < span.end:
                if not word.unambiguous:
                    return True
                inside = text[span.start : span.end]
                return span.label in BUSINESS_LABELS and bool(_BUSINESS_MARK.search(inside))
        return False

    def _owner(self, words: list[Word], index: int, text: str) -> bool:
        """The word is a first name's possessive, of what a person has or is doing: "that's
        tyler's cell", "And Mateo's date of birth?", "Fatima's in 0928?", "Ray's working on it";
        a first name that is also a word only in capitals, inside a sentence ("Ray's", not "ray's
        of light" nor "Grace's" opening one)."""
        word = words[index]
        base = word.folded.removesuffix("'s")
        if not word.folded.endswith("'s") or base not in self.lexicon.given or base in NOT_NAMES or word.place:
            return False
        only = _ONLY_A_PERSON_S.match(text, word.end)
        owned = only or _BELONGING_AFTER.match(text, word.end) or _DOING.match(text, word.end)
        if owned is None or _word_before(words, index) in _NOT_OWNER_BEFORE:
            return False
        if only and only.group("personal"):
            # Only a person has these, whatever else the name is: "text Wendy's cell".
            return self._knowledge(base)[1] or (word.capitalised and base not in MONTHS)
        if only:
            return self._knowledge(base)[1]  # "Fatima's in 0928?"; not "Chase's ends in 4421"
        brand = (
            (base,) in EPONYMS
            or (word.folded,) in EPONYMS
            or "&" in text[max(0, word.start - 3) : word.start]  # "Johnson & Johnson's policy"
            or (index and self._eponym(words, index - 1, index, text))  # "Trader Joe's address"
        )
        # A brand's ("Wendy's number"), or a word's that is also a name ("Chase's checking account");
        # a brand's name is a person's where their relation is said with it ("denny's account my husband").
        if brand:
            return _MY_RELATION.match(text, owned.end()) is not None
        return self._knowledge(base)[1]

    def _trim(self, text: str, words: list[Word]) -> tuple[int, int] | None:
        """The recogniser's span, read in the sentence it is in, without
        titles or filler words at its ends; None when nothing of a name is
        left ("Checking", "Platinum", "Orlando, Florida"), or when it names a
        street or a business ("Mason Street", "Hope Credit Union")."""
        # A day's possessive is no name: "Friday's check".
        while words and (words[0].folded in NOT_NAMES or words[0].folded in _DAYS_OWN or words[0].folded in TITLES):
            words = words[1:]
        while words and (words[-1].folded in NOT_NAMES or words[-1].folded in _DAYS_OWN):
            words = words[:-1]
        if words and words[0].cased:
            # In a text that capitalises names, a lowercase word that is no
            # name ends one: the recogniser runs "Báez, su cita…" together.
            for position, word in enumerate(words[1:], 1):
                if word.text.islower() and not word.name and word.folded not in PARTICLES:
                    words = words[:position]
                    break
        if words and all(word.folded in TIERS for word in words):
            return None  # "Upgrade to Gold"
        if not any(not word.vocabulary and (word.name or word.capitalised) for word in words):
            return None
        if all(word.folded in MONTHS or word.folded in HOLIDAYS for word in words) or _thing_after(text, words[-1]):
            return None
        if any(word.folded in STREET_OR_BUSINESS for word in words[1:]) or self._utility(words, text):
            return None
        return words[0].start, words[-1].end

    # Words, slots and the lexicon ------------------------------------------------------------

    def _thanked_at_the_end(self, words: list[Word], index: int, text: str) -> bool:
        """A first name thanked or bidden goodbye at the end of a turn, one a place or an everyday
        word bears too: "Okay, cool. Thanks, Jordan.", "no problem take care dawn"; in capitals
        where the turn has them."""
        word = words[index]
        return (
            word.folded in self.lexicon.given
            and word.folded not in _SAID_TO_ANYONE
            and (word.capitalised or line_at(text, word.start).islower())
            and _phrase_before(words, index, text) in _THANKS
            and _TURN_ENDS.match(text, word.end) is not None
        )

    def _name_at(self, words: list[Word], index: int, text: str, others: list[Span]) -> tuple[int, int, float] | None:
        word = words[index]
        if word.folded in _DAYS_OWN:
            return None  # "Friday's check", "today's payment"
        if word.folded in NEVER_CAPITALISED_NAMES or len(word.folded) < 2 or word.marker:
            return None
        if word.text[1:] in ("'s", "’s"):
            return None  # a letter spelled: "Two N's, two L's"
        if word.vocabulary and not word.name and not word.capitalised:
            return None  # an everyday word in lowercase: no slot makes it a name
        if (
            word.cased
            and word.text.islower()
            and not _slot_before(words, index, text)
            and word.folded not in self.lexicon.given
            and word.folded not in self.lexicon.frequent_family
            and not line_at(text, word.start).islower()
        ):
            # A rare surname in lowercase in a turn that writes names in capitals: "Yes, two lasagna and
            # two chicken parm."; not in raw speech after a formatted turn ("yeah warren hollings").
            return None
        if not word.name and not word.capitalised and _after_a_number(words, index, text):
            return None  # "five hundred megs", "20 gigs": a unit
        slot = _slot_before(words, index, text)
        if word.folded in TIERS and slot != "strong":
            return None  # "Upgrade to Gold", "down to Silver"
        if (
            word.capitalised
            and not word.unambiguous
            and slot not in ("strong", "relation")
            and word.folded not in self.lexicon.given
            and _A_LETTER_AFTER.match(text, word.end)
        ):
            return None  # "Part B", "Plan G", "Gate C": a thing's part, plan or gate; not "Summer B"
        vetoed = self._vetoed(word, text, others)
        if word.folded in MONTHS and (
            _NUMBER_NEXT.match(text, word.end) or (slot != "strong" and _word_before(words, index) in MONTH_BEFORE)
        ):
            return None  # "May 3rd", "june twelfth", "the bill from May", "since, like, April"
        phrase = _phrase_before(words, index, text) if word.folded in MONTHS else None
        if (
            word.folded in MONTHS
            and (slot not in ("strong", "relation") or phrase in _LOOSE)
            and not (
                (phrase in _GREETINGS and phrase not in _LOOSE)
                or _vocative(text, word)
                or _asked(phrase, word, text)
                or self._introduced_alone(words, index, text)
                or self._month_and_surname(words, index, text)
            )
        ):
            return None  # a month is a name only where something says so: "Is this April?", "Hi June," not "It's June"
        if (
            slot != "strong"
            and _thing_before(words, index, text, self.lexicon.census_given)
            and not _FAMILY_AFTER.match(text, word.end)
            and not self._full_name_at(words, index, text)
            and not self._owner(words, index, text)
        ):
            return None  # "the Hilton", "the store on Jefferson", "Ben & Jerry's"; not "the Yıldız household"
        if _SPELLING_ALPHABET.search(text, max(0, word.start - 12), word.start):
            return None  # "C as in Charlie"
        if self._names_a_place_or_business(words, index, text):
            return None
        explicit = slot == "strong" and _phrase_before(words, index, text) not in _LOOSE
        if self._introduced_alone(words, index, text):
            explicit = True
            slot = slot or "strong"
        # After a relation, an everyday word that is a first name before a word only a name is: "my
        # neighbor frank delgado".
        surname_next = (
            index + 1 < len(words)
            and words[index + 1].unambiguous
            and word.folded in self.lexicon.given
            and word.folded not in _SAID_AFTER_A_NAME
        )
        pair = slot and self._two_names(words, index, text, everyday=explicit or (slot == "relation" and surname_next))
        if pair or self._opening_pair(words, index, text):
            pair, accepted, score = True, True, 0.8  # "this is Mark Price", "with wei zhang", "june hollister"
        elif slot == "relation":
            # A name that is also an everyday word only in capitals ("my husband
            # Rich", not "my husband said"), or when a pronoun takes it up
            # ("my neighbor bill he has a key"), or after "named".
            accepted = (
                word.unambiguous
                or (word.name and word.capitalised)
                or not word.vocabulary
                or (word.common and (_RESUMED.match(text, word.end) is not None or words[index - 1].folded == "named"))
                or (word.folded in self.lexicon.given and _name_goes_on(words, index, text))
            )
            score = 0.8
        elif slot == "strong":
            # A name that is not also an ordinary word, a capitalised word, or
            # a word English doesn't know: "this is Grace", "i'm adaeze", not
            # "i'm frank with you", "it's Bellevue" nor "it's Platinum" (a
            # capitalised ordinary word after "it's" names a plan or a product).
            phrase = _phrase_before(words, index, text)
            # "Is this Jordan?" asks for a person, as does a question before ("Who am I speaking
            # with?" / "It's Austin."); "it's Bellevue" names a place.
            placed = (
                word.place and phrase in _NOT_NAMING and not (_asked(phrase, word, text) or word.answers_for_a_person)
            )
            loose_word = phrase in _LOOSE and word.vocabulary and not word.name
            resumed = word.common and phrase not in _LOOSE and _RESUMED.match(text, word.end) is not None
            accepted = (
                word.unambiguous
                or (word.capitalised and not placed and not loose_word)
                or not word.vocabulary
                or resumed
                or (explicit and word.folded in self.lexicon.given)
            )
            score = 0.85
        elif slot == "weak" or _vocative(text, word):
            taken_up = slot == "weak" and self._taken_up(words, index, text)
            if taken_up:
                pair = taken_up == 2
            # "Alright, Jordan, one more question": a first name greeted, even one a place bears.
            greeted = (
                word.capitalised
                and word.folded in self.lexicon.given
                and _phrase_before(words, index, text) in _GREETINGS
                and text[word.end : word.end + 1] in (",", "!", "?")
            )
            # "Your appointment with Grant is…": whom one is booked with is a person, a first name
            # even where it is an everyday word.
            # In capitals, and no firm's name goes on ("My consultation with Liberty Mutual").
            following = words[index + 1] if index + 1 < len(words) else None
            booked_with = (
                word.capitalised
                and not (following and following.capitalised and not following.name)
                and word.folded in self.lexicon.given
                and not word.place
                and _BOOKED_WITH.search(text, max(0, word.start - 40), word.start) is not None
            )
            accepted = (
                word.unambiguous
                or bool(taken_up)
                or greeted
                or self._thanked_at_the_end(words, index, text)
                or booked_with
                or self._owner(words, index, text)
                or _unknown_lowercase(word)
                or (
                    word.capitalised and (not vetoed or _vocative(text, word)) and not word.place
                    and (word.name or not word.vocabulary) and not word.initial
                )
            )  # fmt: skip
            score = 0.75
        else:
            # The recogniser's word that it is not a person is not taken
            # against a one-word answer: it reads "Adebayo." as a place.
            # A one-word reply is a name when it can't be anything else, or
            # when it answers a question ("Who am I speaking with? Grace.");
            # alone, "Chase." or "Cancel." answers a menu.
            if word.initial and word.name and _SPEAKING.match(text, word.end):
                return index, index, 0.75  # "Grant speaking."
            if (
                (word.name or _unknown_lowercase(word))
                and _NAME_EXPLAINED.match(text, word.end)
                # "p e n a like pen with an a": the word a spelling is likened to, not the name.
                and not (index and words[index - 1].folded == "like")
            ):
                if any(other.folded == word.folded and _thing_after(text, other) for other in words[:index]):
                    return None  # "2714 Chase Street. Chase like the bank.": the street's name explained
                if "[ADDRESS]" in text[: word.start]:
                    return None  # the same, with the address already redacted: redacting again changes nothing
                return index, index, 0.75  # "sunny like the weather", "Grace with a G"
            possessive = word.folded.endswith("'s")
            base = word.folded.removesuffix("'s")
            if self._owner(words, index, text):
                return index, index, 0.75  # "that's tyler's cell", "it's on maya's card"
            if (
                base in self.lexicon.given
                and base not in NOT_NAMES
                and (_RELATION_AFTER.match(text, word.end) or (possessive and _MY_RELATION.match(text, word.end)))
            ):
                return index, index, 0.75  # "mark is my husband", "Ebere's my daughter"
            asked = word.answers_question
            # A place's name is a person's where the question asked for one: "What's the name on the
            # account?" / "Jordan."
            answer = (
                (asked or _answer_alone(text, words))
                and word.capitalised
                and (not word.place or word.answers_for_a_person)
            )
            # A first name that is the whole reply ("Faith.", "Mark.", "Rose."):
            # an utterance of one word answers "and your name?" far more often
            # than anything else that word could mean, colours apart.
            alone = len(words) == 1 and word.folded in self.lexicon.given and word.folded not in COLOURS
            # A first name opening a sentence that a pronoun then takes up:
            # "Grace set this up, she's my daughter", "Faith from HR told me to call. She said…".
            subject = (
                word.folded in self.lexicon.given
                and not word.place
                and word.folded not in MONTHS
                and (word.capitalised or not word.cased)
                and _opens_sentence(text, word)
                and (_RESUMED_LATER.match(text, word.end) is not None or _SEES_YOU.match(text, word.end) is not None)
            )
            accepted = (answer and (word.unambiguous or not word.vocabulary or (asked and word.name) or alone)) or (
                subject
                or not vetoed
                and (
                    (word.unambiguous and len(word.folded) > 2 and not _in_foreign_words(words, index))
                    or (
                        word.capitalised
                        and word.name
                        and word.folded not in ACKNOWLEDGEMENTS
                        and self._has_name_neighbour(words, index)
                    )
                    or _unknown_lowercase(word)
                    or (word.capitalised and not word.initial and not word.vocabulary and not word.name)
                )
            )
            score = 0.7
        if not accepted:
            return None
        first, last = index, index + 1 if pair else index
        while step := self._reach(words, last, 1, text, others):
            last += step
        while step := self._reach(words, first, -1, text, others):
            first -= step
        # Particles that open a name after a slot: "Mr. van der Berg", "is bin Khalid".
        while first > 0 and words[first - 1].folded in PARTICLES and _adjacent(text, words[first - 1], words[first]):
            opening = first - 1
            while opening > 0 and words[opening - 1].folded in PARTICLES:
                opening -= 1
            if (
                _slot_before(words, first - 1, text) is None
                and not (first > 1 and words[first - 2].folded in PARTICLES)
                # The second of two particles: "van den berg", "de la cruz".
                and words[first].folded not in PARTICLES
                and not words[opening].initial
            ):
                break
            first -= 1
        run = words[first : last + 1]
        if (
            any(part.folded.removesuffix("'s") in STREET_OR_BUSINESS for part in run[1:])
            or _thing_after(text, run[-1])
            or (not explicit and self._utility(run, text))  # "My name is Moana Power"
        ):
            # "Chase Lane", "Hope Credit Union", "Mercy General's", "Metro Gas": a street's or a business's name
            return None
        if (
            first
            and not explicit
            and (
                run[0].folded in STREET_OR_BUSINESS
                or (
                    run[0].folded in UTILITY_WORDS
                    and run[0].capitalised
                    and not self._first_name(
                        words[first - 1], text, said_as_a_name=self._said_as_a_name(words[first - 1 : first + 1], text)
                    )
                )
            )
            and words[first - 1].capitalised
            and words[first - 1].name
            and _adjacent(text, words[first - 1], run[0])
        ):
            return None  # "Hunter's Creek", "Metro Gas": the rest of a place's or a business's name
        if not explicit and self._not_a_person(words, first, last, text) and not self._owner(words, index, text):
            return None
        if not explicit and _town_and_state(words, first, last, text):
            return None
        if first and words[first - 1].folded in TITLES and self._eponym(words, first - 1, last, text):
            return None  # "Dr Pepper", "Dr. Scholl's"
        return first, last, score

    def _not_a_person(self, words: list[Word], first: int, last: int, text: str, *, strict: bool = False) -> bool:
        """What the whole run of name words is, read with what surrounds it: a
        thing ("the Frank Lloyd Wright tour", "a Calvin Klein jacket"), a brand
        or landmark named after someone ("Dr Pepper", "Wells Fargo"), a tier or
        a model ("Tier 2"), or a town in an address ("…Way, Bastrop, 78602",
        "43085. Okay, Worthington.")."""
        # A first name and a surname that are nothing else stay a person's
        # after "the" ("the Jennifer Metcalfe version"); brands are listed.
        full_name = not strict and (
            (
                last > first
                and words[first].folded in self.lexicon.given
                and all(word.unambiguous for word in words[first : last + 1])
            )
            or self._full_name_at(words, first, text)
            or _FAMILY_AFTER.match(text, words[last].end) is not None
        )
        if _thing_before(words, first, text, self.lexicon.census_given) and not full_name:
            return True
        if self._eponym(words, first, last, text):
            return True
        if _STREET_CORNER.search(text, max(0, words[first].start - 40), words[first].start):
            return True
        if _a_place_not_a_person(text, words[first].start, words[last].end):
            return True
        if first == last and words[first].vocabulary and _NUMBER_AFTER.match(text, words[last].end):
            return True
        if (
            _TOWN_AFTER.match(text, words[last].end)
            and not _PLACE_AFTER_NOT_TOWN.match(text, words[last].end)
            and _TOWN_BEFORE.search(text, max(0, words[first].start - 12), words[first].start)
        ):
            return True
        if text[max(0, words[first].start - 3) : words[first].start] == "in " and _IN_TOWN_SPOKEN.match(
            text, words[last].end
        ):
            return True
        return _ZIP_BEFORE.search(text, max(0, words[first].start - 32), words[first].start) is not None

    @staticmethod
    def _eponym(words: list[Word], first: int, last: int, text: str) -> bool:
        """Whether a brand or landmark named after a person covers any of the words ``first`` to ``last``
        ("Sherwin-Williams" said as one word too)."""
        for index in range(first, last + 1):
            parts = tuple(_unmarked(words[index].folded).split("-"))
            if len(parts) > 1 and parts in _EPONYMS_BY_FIRST.get(parts[0], ()):
                return True
        for start in range(max(0, first - 4), last + 1):
            for eponym in _EPONYMS_BY_FIRST.get(_unmarked(words[start].folded), ()):
                said = [index for index in range(start, min(len(words), start + 2 * len(eponym))) if
                        words[index].folded != "and" or eponym[0] == "and" or index == start]  # fmt: skip
                said = said[: len(eponym)]
                if (
                    said[-1] >= first
                    and tuple(_unmarked(words[index].folded) for index in said) == eponym
                    and not (eponym in _LISTED_BY_UNMARKED and _said_as_a_person(words, start, said[-1], text))
                ):
                    return True
        return False

    def no_person_at(self, text: str, words: list[Word], start: int, end: int) -> bool:
        """Whether a name another reader found at ``start:end`` names something else, read as
        this finder reads its own: a city, state or country of two words or more ("hong kong"),
        a street's or a business's ("Glenmore Insurance", "Hollis Roofing LLC"), part of a
        brand named after people ("Sherwin-Williams", "ben and jerrys"), or a make described by
        its colour or year ("my 2019 Ford"). ``words`` are the text's ``words_of``."""
        folded = tuple(fold(word) for word in re.findall(r"\w+", text[start:end]))
        if len(folded) > 1 and (folded in self.places.always or folded[-1] in STREET_OR_BUSINESS):
            return True
        if thing_after(text, start, end) or _a_place_not_a_person(text, start, end):
            return True
        # The words it overlaps: those from the last to start before it to the last to start inside it.
        first = max(0, bisect.bisect_left(words, start, key=_STARTS) - 1)
        if words and words[first].end <= start:
            first += 1
        last = bisect.bisect_left(words, end, key=_STARTS) - 1
        if first <= last and all(word.spelt for word in words[first : last + 1]):
            return True  # letters said in the spelling alphabet
        return first <= last and (
            self._eponym(words, first, last, text)
            or self._utility(words[first : last + 1], text)
            or _described_as_a_thing(words, first, text, self.lexicon.census_given)
        )

    def _utility(self, words: list[Word], text: str) -> bool:
        """A name ending in, or followed by, a utility's or a shop's word in capitals, with no
        first name in it: "Metro Gas", "Tri-County Power", "Sprout Meals"; not "Samantha Power",
        "Mark Power", "Chidi Power", nor "Blessing Power." answering for a name."""
        following = _CAPITALISED_WORD.match(text, words[-1].end)
        if following and fold(following.group("word")) in UTILITY_WORDS:
            named = words
        elif len(words) > 1 and words[-1].capitalised and words[-1].folded in UTILITY_WORDS:
            named = words[:-1]
        else:
            return False
        said_as_a_name = self._said_as_a_name(words, text)
        return not any(self._first_name(word, text, said_as_a_name=said_as_a_name) for word in named)

    @staticmethod
    def _said_as_a_name(words: list[Word], text: str) -> str:
        """How surely the talk says the words are a name: "answer" where they answer for one or
        go before "here" or "speaking", "slot" after a phrase that introduces one ("this is",
        "it's"), else ""."""
        if words[0].answers_question or _NAMED_AFTER.match(text, words[-1].end):
            return "answer"
        return "slot" if _NAMING_BEFORE.search(text, max(0, words[0].start - 32), words[0].start) else ""

    def _first_name(self, word: Word, text: str, *, said_as_a_name: str = "") -> bool:
        """A word read as a first name before a utility's word: one of the census's ("Mark
        Power"), a first name the lists hold that is no English word or follows a phrase that
        introduces a name ("It's River Power."), any name they hold answering for one ("Memory
        Power."), or a capitalised word no list holds ("Chidi Power"); not "Metro" or the "Tri"
        of "Tri-County" where nothing says so."""
        if "-" in word.folded or text.startswith("-", word.end):
            return word.folded.split("-")[0] in self.lexicon.census_given  # "Mary-Kate", not "Tri-County"
        if word.folded in self.lexicon.census_given or (said_as_a_name == "answer" and word.name):
            return True
        if word.folded in self.lexicon.given:
            # Not a place where nothing says a name is given: "Georgia Power", "Denver Water".
            return (bool(said_as_a_name) or not word.common) and not (word.place and said_as_a_name != "answer")
        return word.capitalised and not word.vocabulary and not word.place

    def _month_and_surname(self, words: list[Word], index: int, text: str) -> bool:
        """A month's name in capitals followed by a surname in capitals: "April Mason", "June Holloway"."""
        if index + 1 >= len(words):
            return False
        month, following = words[index], words[index + 1]
        return (
            month.capitalised
            and following.capitalised
            and not following.initial
            and following.folded in self.lexicon.family
            and following.folded not in MONTHS
            and following.folded not in NOT_NAMES
            and following.folded not in HOLIDAYS
            and following.folded not in STREET_OR_BUSINESS
            and following.folded not in CALENDAR_WORDS
            and not following.place
            and _adjacent(text, month, following)
            and not _NUMBER_NEXT.match(text, following.end)
        )

    def _full_name_at(self, words: list[Word], index: int, text: str) -> bool:
        """A first name that is nothing but a name, then a surname, in
        capitals: someone's, even after "a" ("somebody else, a Yolanda Pierce")."""
        if index + 1 >= len(words):
            return False
        first, second = words[index], words[index + 1]
        return (
            first.unambiguous
            and first.capitalised
            and first.folded in self.lexicon.given
            and second.capitalised
            and second.name
            and second.folded not in NOT_NAMES
            and _adjacent(text, first, second)
            and not self._eponym(words, index, index + 1, text)
        )

    def _taken_up(self, words: list[Word], index: int, text: str) -> int:
        """After a slot, a first name (and a surname) that a pronoun or "my
        <relation>" takes up: "put me through to will he was helping me",
        "under rose chase she's my grandmother", "and hope my youngest". How
        many words the name has (0: none)."""
        word = words[index]
        if word.folded not in self.lexicon.given or word.place or (word.cased and not word.capitalised):
            return 0
        if (
            index + 1 < len(words)
            and words[index + 1].folded in self.lexicon.family
            and words[index + 1].folded not in NOT_NAMES
            and _adjacent(text, word, words[index + 1])
            and self._name_taken_up(text, words[index + 1])
        ):
            return 2
        return 1 if self._name_taken_up(text, word) else 0

    @staticmethod
    def _name_taken_up(text: str, word: Word) -> bool:
        if _TAKEN_UP.match(text, word.end):
            return True
        if (
            word.common
            and _RESUMED_LATER.match(text, word.end)
            and not _INFINITIVE_BEFORE.search(text, max(0, word.start - 24), word.start)
        ):
            return True  # "ask grant he's the one", "send it to max not to me he's the one using it"
        # "and hope my youngest she needs…", not "to grant my son access": who the
        # person is, then what is said of them.
        relation = _MY_RELATION.match(text, word.end)
        return relation is not None and (not word.common or _APPOSITION_END.match(text, relation.end()) is not None)

    def _introduced_alone(self, words: list[Word], index: int, text: str) -> bool:
        """ "this is grace i called earlier", "yeah this is hope from the clinic":
        a first name after "this is" that ends the introduction is the speaker's,
        even when it is also an everyday word ("this is great" has no first name);
        after "it's" or "I'm", one before a surname no English word is, answering a question
        for a name ("Your name?" / "its bill novak")."""
        word = words[index]
        phrase = _phrase_before(words, index, text)
        if phrase not in _INTRODUCING or word.folded not in self.lexicon.given:
            return False
        if index + 1 == len(words):
            return phrase == ("this", "is")
        following = words[index + 1]
        if phrase != ("this", "is"):
            # "its bill novak", "im will kowalczyk": after "it's" or "I'm", only before a surname that
            # is no English word, where the turn before asked for a name ("How are you paying?" /
            # "its bill venmo" names no one).
            return (
                (following.folded in self.lexicon.family or _unknown_lowercase(following))
                and not following.vocabulary
                and _adjacent(text, word, following)
                and name_asked_before(text, word.start)
            )
        if _stops(text, word, following):
            return True
        # "this is faith kimball calling": a surname that is no English word follows.
        return following.folded in _AFTER_INTRODUCTION or (
            following.folded in self.lexicon.family
            and _adjacent(text, word, following)
            # "this is mark price calling back": a surname that is also a word, then the introduction goes on.
            and (
                not following.vocabulary
                or (index + 2 < len(words) and words[index + 2].folded in ("calling", "speaking", "here", "from"))
            )
        )

    def _restarts(self, words: list[Word], text: str) -> list[tuple[int, int]]:
        """A first name said again before a surname, the first time alone:
        "hope hope ruiz", "max um max brennan", "jordan yeah jordan mayhew"."""
        spans = []
        for index, word in enumerate(words):
            if word.folded not in self.lexicon.given or word.folded in NOT_NAMES or word.marker:
                continue
            again = index + 1
            while again < len(words) and again - index <= 3 and words[again].folded in FILLERS:
                again += 1
            if (
                again + 1 < len(words)
                and words[again].folded == word.folded
                and words[again + 1].folded in self.lexicon.family
                and words[again + 1].folded not in NOT_NAMES
                and not _stops(text, word, words[again])
                and _adjacent(text, words[again], words[again + 1])
                and not self._eponym(words, index, again, text)  # "Johnson & Johnson gift cards"
            ):
                spans += [(index, index), (again, again + 1)]
        return spans

    def _opening_pair(self, words: list[Word], index: int, text: str) -> bool:
        """A first name and a surname opening a turn of lowercase speech, the
        surname no everyday word: "june hollister", "virginia lowe i'm calling…"."""
        if index + 1 >= len(words):
            return False
        first, second = words[index], words[index + 1]
        return (
            first.initial
            and not first.cased
            and first.text.islower()
            and first.folded in self.lexicon.given
            and second.folded in self.lexicon.family
            and not second.common
            and not second.vocabulary
            and second.folded not in NOT_NAMES
            and _adjacent(text, first, second)
        )

    @staticmethod
    def _names_a_place_or_business(words: list[Word], index: int, text: str) -> bool:
        """The name words from ``index`` on end in a street or business word: "Baker Street", "Fields Market"."""
        position = index
        while (
            position + 1 < len(words)
            and not words[position].text.endswith(("'s", "’s"))  # "Maksim's plan" is his
            and words[position + 1].name
            and words[position + 1].folded not in NOT_NAMES
            and _adjacent(text, words[position], words[position + 1])
        ):
            if words[position + 1].folded in STREET_OR_BUSINESS:
                return True
            position += 1
        return _thing_after(text, words[position])

    def _reach(self, words: list[Word], edge: int, direction: int, text: str, others: list[Span]) -> int:
        """How many words beyond ``edge`` (towards ``direction``) belong to the
        name: the next name word, or up to two particles and the name word after
        them ("yusuf al harbi", "José Luis de la Cruz")."""
        position = edge + direction
        while (
            0 <= position < len(words)
            and abs(position - edge) <= 2
            and words[position].folded in PARTICLES
            and _adjacent(text, words[position - direction], words[position])
        ):
            position += direction
        if not 0 <= position < len(words):
            return 0
        if position == edge + direction and _initial(text, words[position]):
            # A middle or first initial: "Harpreet K. Sandhu", "P. Raman".
            if direction < 0:
                return 1 if _adjacent_after_initial(text, words[position], words[edge]) else 0
            beyond = position + 1
            named = beyond < len(words) and (words[beyond].name or not words[beyond].vocabulary)
            if named and words[beyond].capitalised and _adjacent_after_initial(text, words[position], words[beyond]):
                return 2
            return 0
        if position != edge + direction and not _adjacent(text, words[position - direction], words[position]):
            return 0
        return abs(position - edge) if self._joins(words, position, position - direction, text, others) else 0

    def _two_names(self, words: list[Word], index: int, text: str, *, everyday: bool) -> bool:
        """Two name words in a row, in capitals or neither an everyday word
        ("Mark Price", "wei zhang"), or any two after an explicit slot ("ask for will hunter")."""
        if index + 1 >= len(words):
            return False
        first, second = words[index], words[index + 1]
        if (
            first.folded in GIVEN_NAME_SYLLABLES
            and second.folded in GIVEN_NAME_SYLLABLES
            and (first.unambiguous or second.unambiguous)
            and _JOINER.fullmatch(text[first.end : second.start]) is not None
        ):
            return True  # "my wife min ji", "i'm jae won park"
        return (
            first.name and second.name and first.folded not in NOT_NAMES and second.folded not in NOT_NAMES
            and not (first.place and second.place)
            and (everyday or (first.capitalised and second.capitalised) or not (first.common or second.common))
            # In a text that writes names in capitals, a lowercase verb after one, or what a possessive
            # name owns, is no second name: "Dr. Okafor will…", "Ms. Rose's class"; "Linda young" is one.
            and not (
                first.capitalised
                and second.cased
                and second.text.islower()
                and (second.folded in _SAID_AFTER_A_NAME or first.text.endswith(("'s", "’s")))
            )
            and _JOINER.fullmatch(text[first.end : second.start]) is not None
            and not (second.folded in MONTHS and _NUMBER_NEXT.match(text, second.end))
        )  # fmt: skip

    @staticmethod
    def _has_name_neighbour(words: list[Word], index: int) -> bool:
        """A capitalised name word next to another: "Will Hunter", "Frank Brown." (not places: "San Jose")."""
        for other in (index - 1, index + 1):
            if 0 <= other < len(words) and words[other].capitalised and words[other].name:
                pair = sorted((words[index], words[other]), key=lambda item: item.start)
                if (
                    words[other].folded not in NOT_NAMES
                    and not pair[1].initial
                    and not (pair[0].place and pair[1].place)
                ):
                    return True
        return False

    def _joins(self, words: list[Word], index: int, name: int, text: str, others: list[Span]) -> bool:
        """Whether a word next to a name is part of it: a name word, or a word
        English doesn't know, with only a space or hyphen between."""
        word = words[index]
        if not _adjacent(text, word, words[name]):
            return False
        if word.folded in NOT_NAMES or word.folded in TITLES or len(word.folded) < 2:
            return False
        if index == name + 1 and self._full_name_at(words, name, text):
            return True  # "a Yolanda Pierce", which the recogniser calls an organisation
        if (word.vocabulary and self._vetoed(word, text, others)) or word.marker:
            return False
        if word.folded in MONTHS and _NUMBER_NEXT.match(text, word.end):
            return False
        if word.folded in GIVEN_NAME_SYLLABLES and words[name].folded in GIVEN_NAME_SYLLABLES:
            return True  # "min jun", "young sook": a given name of two syllables
        if (
            index == name + 1
            and word.folded in EAST_ASIAN_SURNAMES
            and name
            and words[name].folded in GIVEN_NAME_SYLLABLES
            and words[name - 1].folded in GIVEN_NAME_SYLLABLES
        ):
            return True  # "jae won park": the surname after a given name of two syllables
        if word.cased and word.text.islower() and not word.name:
            return False  # in a text that capitalises names, "Báez, su cita…" ends at "Báez"
        # A name that English uses often joins only in capitals: "Frank
        # Brown", not "put Thornton"; "wei" (a rare word) joins "zhang".
        return not word.vocabulary or (word.name and (not word.common or (word.capitalised and not word.initial)))

    # Spelled out -----------------------------------------------------------------------------

    def _spelled(self, text: str, found: list[Found]) -> list[Found]:
        """Letters said one by one. What a caller spells is a name, an
        address or an identifier, so four letters or more are redacted
        anywhere; three need a name nearby or a word about spelling."""
        results = []
        for match in _SPELLED.finditer(text):
            letters = _letters_spelled(match.group())
            if len(letters) < 2:
                continue
            # The word just said, spelled: "ruiz r u i z", "al masri a l dash m a s r i".
            said = _spelled_word_before(text, match.start(), letters)
            if said is not None:
                # The first name just before a surname spelled: "rose chase c h a s e".
                before = _FIRST_NAME_BEFORE.search(text, max(0, said[0] - 24), said[0])
                if before and fold(before.group(1)) in self.lexicon.given and fold(before.group(1)) not in NOT_NAMES:
                    said = (before.start(1), said[1])
                results += [Found(said[0], said[1], 0.85), Found(match.start(), match.end(), 0.85)]
                continue
            if len(letters) < 3:
                continue
            if (
                _DOTTED.search(match.group())
                or _CODE_DIGIT_BEFORE.search(text, max(0, match.start() - 8), match.start())
                or _CODE_TALK.search(text, max(0, match.start() - 60), match.start())
                and (
                    _NUMBER_BEFORE.search(text, max(0, match.start() - 24), match.start())
                    or _NUMBER_BEFORE.match(text, match.end() + 1)
                )
            ):
                continue  # "U.S.", "the model number is w r f five five five s d f z", "K, 7, 7, M, R, Q"
            # The word said just after its spelling: "A-D-E-W-A-L-E. Adewale."
            following = _WORD_AFTER_SPELLING.match(text, match.end())
            if following and following.group(1).lower() == letters:
                results.append(Found(following.start(1), following.end(1), 0.85))
            near_name = any(abs(match.start() - item.end) < 120 or abs(item.start - match.end()) < 20 for item in found)
            context = SPELLING_CONTEXT.search(text, max(0, match.start() - 80), match.start())
            spelling = _SPELLING_WORD.search(match.group())
            if len(letters) >= 4 or self.lexicon.is_name(letters) or context or near_name or spelling:
                results.append(Found(match.start(), match.end(), 0.8))
        return results


# A lone capital letter after a word, no initial before a surname nor "I": "Part B, not Part A".
_A_LETTER_AFTER = re.compile(r"[^\S\n]+(?-i:[A-HJ-Z])(?![\w.'’])(?![^\S\n]+(?-i:[A-Z][a-z]))")
# Titles that are nouns too, and the words that make them one: "your doctor", "the eye doctor"; not
# "my neighbor mister price".
_TITLE_NOUNS = frozenset(("doctor", "professor"))
_DETERMINERS = frozenset("the a an your my his her their our this that whose".split())


def _phrase_before(words: list[Word], index: int, text: str) -> tuple[str, ...] | None:
    """The phrase before ``index`` when it is one a name follows, across
    hesitations ("I'm, uh, …") but not across a sentence's end, nor a bare
    comma unless the phrase greets or thanks ("Thanks, Grace"; not "the last
    name, lowercase v")."""
    position = index - 1
    while (
        position >= 0 and words[position].folded in FILLERS and not _stops(text, words[position], words[position + 1])
    ):
        position -= 1
    if position < 0 or _stops(text, words[position], words[position + 1]):
        return None
    bare_comma = position == index - 1 and "," in text[words[position].end : words[index].start]
    last = words[position].folded
    if last in _TITLE_NOUNS and any(word.folded in _DETERMINERS for word in words[max(0, position - 2) : position]):
        return None  # a title said as a noun: "your eye doctor can…", "the doctor will…"
    for table, last_words in _SLOT_TABLES:
        if last not in last_words:
            continue
        for length, phrases in table.items():
            phrase = tuple(word.folded for word in words[position + 1 - length : position + 1])
            if position + 1 >= length and phrase in phrases:
                # "My wife, Blessing, and…": a relation's name set off by commas, in capitals.
                apposed = table is _RELATIONS and words[index].capitalised and phrase[-1] not in ("named", "called")
                return None if bare_comma and phrase not in _GREETINGS and not apposed else phrase
    if words[position].folded == "is" and _NAME_THEN_IS.search(text, 0, words[position].end + 1):
        return ("is",)
    return None


_fold = functools.lru_cache(maxsize=100_000)(fold)


# A name and another way it was said or heard: "It's Sanjay, not Sunjay", "it's said "Shivawn"".
_NOT_THAT_NAME = re.compile(r",?\s+not\s+[\"“]?((?-i:[A-Z])[\w'’-]+)")
_SAID_AS = re.compile(
    r"[^.!?\n]{0,60}?\b(?:said|pronounced|sounds like|say it)\s+(?:like\s+)?[\"“]((?-i:[A-Z])[\w'’-]+)[\"”]",
    re.IGNORECASE,
)


def _said_otherwise(text: str, found: list[Found]) -> list[Found]:
    """The same person's name as misheard or as pronounced, said beside it:
    another capitalised word after "X, not …", or quoted after "it's said"."""
    if " not " not in text and '"' not in text and "“" not in text:
        return []
    results = []
    for item in found:
        for pattern, reach in ((_NOT_THAT_NAME, 0), (_SAID_AS, 80)):
            match = pattern.match(text, item.end)
            if match is None and reach:
                sentence_end = SENTENCE_END.search(text, item.end)
                if sentence_end:
                    match = pattern.match(text, sentence_end.end())
            if match and fold(match.group(1)) not in NOT_NAMES:
                results.append(Found(match.start(1), match.end(1), 0.75))
    return results


_STATE_AFTER = re.compile(r",?\s+([A-Za-z]+(?: [A-Za-z]+)?)\b")


def _town_and_state(words: list[Word], first: int, last: int, text: str) -> bool:
    """A town with its state after it, or run into it: "Marfa Texas 79843", "in savannah georgia"."""
    if last > first and words[last].folded in STATE_NAMES:
        return True
    following = _STATE_AFTER.match(text, words[last].end)
    if following is None:
        return False
    after = following.group(1).lower()
    return after in STATE_NAMES or after.split()[0] in STATE_NAMES


def _opens_sentence(text: str, word: Word) -> bool:
    return _SENTENCE_OPENING.search(text, max(0, word.start - 24), word.start) is not None


def _answer_alone(text: str, words: list[Word]) -> bool:
    """The whole utterance is one to three capitalised words: the answer to
    "and your name?" ("Adebayo.", "Pat.", "Hunter Lane.")."""
    return (
        1 <= len(words) <= 3 and all(word.capitalised and not word.marker for word in words) and not _DIGIT.search(text)
    )


# Words that follow a name, not a verb, after a relation: "my husband mark is…", "my dad frank but…".
_AFTER_A_NAME = frozenset(
    "is was and but who he she has had lives lived uses used said called ordered passed works worked wants needs "
    "set usually always told gave sent recommended came went got took left bought brought drove paid does did "
    "will would can could should".split()
)
# A verb in the past after the word: "my brother in law rusty moved in", not "my son just moved" (no name).
_PAST_AFTER_A_NAME = re.compile(r"[a-z]+[^e]ed")  # "moved", "handled"; not "need", "feed"


def _name_goes_on(words: list[Word], index: int, text: str) -> bool:
    """What follows the word after a relation is what follows a name: the
    sentence ends, or a word a name is followed by ("my daughter joy is away";
    not "my daughter will be", where the word is a verb)."""
    if index + 1 == len(words) or _stops(text, words[index], words[index + 1]):
        return True
    following = words[index + 1].folded
    return (
        following in _AFTER_A_NAME
        or _PAST_AFTER_A_NAME.fullmatch(following) is not None
        or text[words[index].end : words[index].end + 1] == ","
    )


_OR = re.compile(r"\bor\b", re.IGNORECASE)
# What only a person has, after a first name's possessive: "that's Wendy's cell", "And Mateo's date
# of birth?", "Fatima's in 0928?" (a person's records, or a business's too: ``_BELONGING_AFTER``).
_ONLY_A_PERSON_S = re.compile(
    r"\s+(?P<personal>cell|cellphone|phone|mobile|email|e-mail|wife|husband|son|daughter|mom|dad|mother|father|"
    r"birthday|date of birth|dob|social|ssn|passport|license|licence)\b|"
    r"\s+(?P<digits>(?:in|ends in|ending in)\s+\d{4})",
    re.IGNORECASE,
)
# What someone is doing: "Kwame's working on it now".
_DOING = re.compile(r"\s+(?:working|looking|handling|helping|taking care)\b", re.IGNORECASE)
# "this summer's plan", "last june's bill": a season's or a month's, not a person's.
_NOT_OWNER_BEFORE = frozenset("the this that these last next every each a an".split())
_ALTERNATIVE = re.compile(
    r"(?:\s+with\s+an?\s+[^,.?!\n]{1,12})?(?:,\s*|\?\s+|\s+)(?i:or)\s+(?:(?i:is it|was it)\s+)?(?:(?i:just)\s+)?"
    r"(?P<name>[A-Z][^\W\d_]+(?:['’-][^\W\d_]+)?)(?=\s*[?.,!]|\s*$)"
)
# Things a name may be the name of, which a question may ask for: "Which bank is that routing
# number for?", "What's the make of the heater?", "Please say the name of the hospital."
THINGS = (
    "bank company business store shop city state town country county plan carrier browser app colour "
    "color brand make model manufacturer card device street road avenue school college university hospital clinic "
    "pharmacy drugstore airline airport insurer insurance tier package network kind type language level product "
    "service option department restaurant dealership movie film show channel team location branch vehicle "
    "car truck dog cat pet puppy kitten breed hotel gym church property building complex cities hometown "
    "medication medicine drug"
).split()
# The things of them that a person's street address is made of: "And the street?" / "Beaumont."
ADDRESS_THINGS = frozenset("street road avenue property building complex".split())
_THINGS = "|".join(THINGS)
_THING_ASKED = re.compile(rf"\b(?:which|what)\s+(?:\w+\s+)?(?:{_THINGS})s?\b", re.IGNORECASE)
# Words for people: relations, roles and anyone ("my sister", "the teller", "a lady"). A question
# for one asks for a person; said of a name, they make it someone's.
PEOPLE = (
    r"son|daughter|wife|husband|mom|mother|dad|father|sister|brother|friend|neighbou?r|aunt|uncle|cousin|grand\w*|"
    r"boyfriend|girlfriend|partner|kid|child|children|baby|roommate|tenant|landlord|landlady|niece|nephew|step\w+|"
    r"fianc\w+|doctor|dr|physician|dentist|surgeon|nurse|vet|vets|veterinarian|pharmacist|receptionist|therapist|"
    r"counsell?or|teacher|tutor|coach|agent|representative|rep|adviser|advisor|adjuster|accountant|assistant|"
    r"attorney|lawyer|broker|planner|realtor|caseworker|salesperson|salesman|saleswoman|teller|manager|owner|boss|"
    r"employee|coworker|co-worker|colleague|officer|specialist|technician|tech|driver|cleaner|mailman|postman|"
    r"mail carrier|nanny|babysitter|housekeeper|caregiver|mechanic|plumber|contractor|handler|volunteer|sitter|"
    r"walker|groomer|trainer|breeder|pastor|guy|lady|woman|women|girl|man|men|boy|person|people|someone|somebody|"
    r"anyone|holder|patient|member|beneficiary|contact"
)
# What someone who serves a caller in person will do: "Hunter will see you Tuesday", "Dawn will be your
# nurse"; not what a firm does too ("Chase will call you about the loan", "Ally will email you").
_SEES_YOU = re.compile(
    r"\s+(?:will|can|is going to)\s+(?:see|meet|examine|treat)\s+you\b|"
    rf"\s+will be (?:your|with you)\b(?:\s+(?:{PEOPLE})\b|(?!\s+\w))",
    re.IGNORECASE,
)
# A question for a person: "Who's calling?", "the name on the account", "the patient", "your last name".
_PERSON_ASKED = re.compile(
    rf"\b(?:who|whom|whose|who's|speaking|talking|spoke|spell|names?|surnames?|you are|{PEOPLE})\b", re.IGNORECASE
)
# "name" of a thing, not of a person: "the name of the hospital", "the dog's name", "the street name".
_A_THING_S_NAME = re.compile(
    rf"\bname of (?:the|your|that|this|a|an) (?:{_THINGS})s?\b|\b(?:{_THINGS})(?:['’]s)? name\b",
    re.IGNORECASE,
)


def line_at(text: str, position: int) -> str:
    """The whole line ``position`` is in."""
    end = text.find("\n", position)
    return text[text.rfind("\n", 0, position) + 1 : len(text) if end == -1 else end]


def name_asked_before(text: str, position: int) -> bool:
    """The turn before the one at ``position`` asks for a person's name ("Can I get her name and
    birthday?", "And your full name?"; not "Who's calling?" nor "Is anyone hurt?")."""
    line_start = text.rfind("\n", 0, position) + 1
    if not line_start:
        return False
    asked = question_in(line_at(text, line_start - 1))
    return _NAME.search(asked) is not None and asks_for_a_person(asked)


def asks_for_a_person(question: str) -> bool:
    """The question asks for a person ("Who's calling?", "the name on the account", "your last
    name"), not only for a thing's name ("the name of the hospital", "the dog's name")."""
    return _PERSON_ASKED.search(_A_THING_S_NAME.sub(" ", _SPEAKER.sub(" ", question))) is not None


_NAME = re.compile(r"\bnames?\b", re.IGNORECASE)
# A transcript's speakers' labels: "Agent: And the state? Caller: Maryland."
_SPEAKER = re.compile(r"\b(?:agent|caller|customer|assistant|bot|user|rep)\s*:", re.IGNORECASE)


def question_in(turn: str) -> str:
    """The question a turn asks: its last sentence ending in a question mark, or its last sentence
    ("Welcome to Skyward Airlines. Please say your confirmation code." is about a code)."""
    said = [turn[start:end] for start, end in sentences(turn) if turn[start:end].strip()]
    questions = [sentence for sentence in said if sentence.rstrip().endswith("?")]
    return (questions or said or [""])[-1]


# A pronoun object after an everyday word makes it a verb: "Bill me", "Mark it", "Chase them".
_OBJECT_AFTER = re.compile(r"\s+(?:me|him|her|us|them|it)\b", re.IGNORECASE)


def _mark_answers(text: str, words: list[Word]) -> None:
    """Mark the words of each sentence that is one to three capitalised words
    answering the question just asked: "Who am I speaking with? Caller: Efua."
    One pass over the sentences."""
    ends = [match.span() for match in SENTENCE_END.finditer(text)]
    starts = [0] + [end for _, end in ends]
    sentences: dict[int, list[Word]] = {}
    for word in words:
        if not word.marker:
            sentences.setdefault(bisect.bisect_right(starts, word.start) - 1, []).append(word)
    for number, same in sentences.items():
        start = starts[number]
        stop = ends[number][0] if number < len(ends) else len(text)
        # A placeholder stands where a value was: "Try [PIN]." is no name, as "Try 4 4 1 9." isn't.
        if _DIGIT.search(text, start, stop) or "[" in text[start:stop]:
            continue
        # An answer's words around the name apart ("just Jordan", "It's Austin, I think"), where a person was asked for,
        # and where they work said after it in lowercase ("Bill in accounting.", "Maria from billing, please").
        content = [word for word in _before_a_department(same) if word.folded not in _AROUND_AN_ANSWER]
        plain = len(same) <= 3 and all(word.capitalised for word in same)
        if not (plain or 0 < len(content) <= 3 and all(word.capitalised for word in content)):
            continue
        asked = text[max(0, start - 120) : start].rstrip()
        asked = asked[: asked.rfind(":")].rstrip() if asked.endswith(":") else asked
        question = question_in(asked)
        # A prompt asks without its mark too: "Who should we ask for at delivery.", "Say the name of
        # the person you'd like to reach."
        prompted = _WHO_ASKED.match(question) or _NAME_PROMPTED.search(question)
        if not (asked.endswith("?") or prompted) or _FIRM_ASKED.search(question):
            continue  # "Who do you bank with?" / "Chase or Ally."
        # "Is it green or orange? Orange.": the answer picks one of the choices offered.
        offered = re.findall(r"[a-z']+", question.lower()) if _OR.search(question) else ()
        for_a_person = asks_for_a_person(question)
        if _THING_ASKED.search(question) and not for_a_person:
            continue  # "Which bank is that routing number for? Chase."
        answer = same if plain else content if for_a_person else []
        if answer and not any(word.folded in offered for word in answer):
            for word in answer:
                word.answers_question = True
                word.answers_for_a_person = for_a_person


# The words of an answer around what it names: "just…", "um, it's…", "…, I think", and those
# joining two names ("Grace or Hunter.").
_AROUND_AN_ANSWER = FILLERS | frozenset(
    "just it's its it is was yes yep that's thats sure okay ok i think guess maybe or and".split()
)
# "Who" asked of a firm: "Who do you bank with?", "Who's your insurance carrier?".
_FIRM_ASKED = re.compile(
    r"\bwho(?:'s|\s+is|\s+are)?\s+(?:do\s+you\s+(?:bank|insure|have)|(?:your|the)\s+(?:[\w-]+\s+)?"
    r"(?:bank|carrier|provider|insurer|insurance|company|employer|utility|lender|pharmacy|airline|isp|mortgage|"
    r"loan|plan))\b",
    re.IGNORECASE,
)
# A prompt for someone's name: "Say the name of the person you'd like to reach."
_NAME_PROMPTED = re.compile(
    r"\b(?:say|tell me|enter)\s+(?:the|your)\s+(?:full\s+)?name of the (?:person|employee|party|doctor|agent)\b",
    re.IGNORECASE,
)


def _before_a_department(same: list[Word]) -> list[Word]:
    """The words of an answer before where someone works, said in lowercase after them: "Bill in
    accounting." (Bill), "Maria from billing, please"; the words as said otherwise."""
    for index in range(1, len(same)):
        if same[index].folded in ("in", "from", "at") and not any(word.capitalised for word in same[index:]):
            # Not a pronoun: "She's in the unit next to mine."
            named = not any(word.folded.partition("'")[0] in NOT_NAMES for word in same[:index])
            return same[:index] if named else same
    return same


_WHO_ASKED = re.compile(r"\s*(?:(?:and|so|okay|ok|great|thanks|thank you)[,.]?\s+)*(?:who|whom|whose)\b", re.IGNORECASE)


def _unknown_lowercase(word: Word) -> bool:
    """A lowercase word that is neither English (down to about three uses in a
    million words) nor a known name: in speech recognition output, whose
    vocabulary is English, that is almost always a name ("chidi",
    "oluwaseun"). Capitalised ones are left to the statistical recogniser,
    and in a text that capitalises names a lowercase word is none."""
    return (
        word.text.islower()
        and not word.cased
        and not word.name
        and not word.vocabulary
        and len(word.folded) >= MINIMUM_UNKNOWN
    )


_UNIT_NUMBER_WORDS = NUMBER_WORDS | frozenset(
    "twenty thirty forty fifty sixty seventy eighty ninety thirteen fourteen fifteen sixteen seventeen eighteen "
    "nineteen".split()
)


def _in_foreign_words(words: list[Word], index: int) -> bool:
    """A lowercase word beside words that are neither English nor names, in
    a text that capitalises names: a sentence in another language ("su cita
    está confirmada para el jueves"), whose words are no names."""
    word = words[index]
    if not word.cased or not word.text.islower():
        return False
    return any(
        0 <= other < len(words) and not words[other].name and not words[other].vocabulary
        for other in (index - 1, index + 1)
    )


def _after_a_number(words: list[Word], index: int, text: str) -> bool:
    """The word follows a number directly: "five hundred megs", "20 gigs"."""
    before = text[max(0, words[index].start - 2) : words[index].start]
    if before[-1:] == " " and before[:1].isdigit():
        return True
    previous = words[index - 1] if index else None
    return previous is not None and previous.folded in _UNIT_NUMBER_WORDS and _adjacent(text, previous, words[index])


def _letters_spelled(spelled: str) -> str:
    """The letters a spelling says: "m as in mary e n" is "men", "double s" is "ss"."""
    letters = []
    for part in _SPELLED_PART.finditer(spelled):
        if part.group(1):
            letters.append(part.group(2) * (2 if part.group(1).lower() == "double" else 3))
        elif part.group(3):
            letters.append(part.group(3))
    return "".join(letters).lower()


# A dotted abbreviation, not a spelling: "U.S.", "D.C.".
_DOTTED = re.compile(r"(?-i:[A-Z])\.(?-i:[A-Z])\b")
# Letters read out as part of a product's or an order's code, not a name.
_CODE_TALK = re.compile(
    r"\b(?:model|serial|part|sku|order|confirmation|tracking|item|product|reference|ticket|invoice|booking|"
    r"reservation|quote|cancellation|flight|locator|report number)\b",
    re.IGNORECASE,
)
# A digit said alone just before letters, after another character said alone, as a code's are: "…7,
# 7, M, R, Q"; not "Party of 4, G, A, R, C, I, A".
_CODE_DIGIT_BEFORE = re.compile(r"(?<![\w.])\w[,\s-]+\d[,\s-]+$")
_NUMBER_BEFORE = re.compile(r"\d|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b", re.IGNORECASE)
_WORD_AFTER_SPELLING = re.compile(r"[.,]?\s{1,2}(?:(?:that's|so|yes|yeah),?\s+)?([^\W\d_]+)\b")


def _spelled_word_before(text: str, start: int, letters: str) -> tuple[int, int] | None:
    """Where the one to three words just before ``start`` are, when their
    letters are the ones spelled after them."""
    before = list(_WORD.finditer(text, max(0, start - 60), start))[-3:]
    for count in range(1, len(before) + 1):
        words = before[-count:]
        said = "".join(character for word in words for character in word.group() if character.isalpha()).lower()
        if said == letters and not SENTENCE_END.search(text, words[-1].end(), start):
            return words[0].start(), words[-1].end()
    return None


_FIRST_NAME_BEFORE = re.compile(r"(?<![\w'’-])([^\W\d_]{2,})\s$")
_AFTER_INTRODUCTION = frozenset("i i'm from calling with and at here speaking again".split())


def _asked(phrase: tuple[str, ...] | None, word: Word, text: str) -> bool:
    """ "Is this Jordan?", "Is this April?": a question for a person, not a place or a month."""
    return phrase == ("is", "this") and text[word.end : word.end + 1] == "?"


def _word_before(words: list[Word], index: int) -> str:
    """The word before, hesitations skipped: "since, like, April" is "since"."""
    position = index - 1
    while position >= 0 and words[position].folded in FILLERS:
        position -= 1
    return words[position].folded if position >= 0 else ""


def _thing_before(words: list[Word], index: int, text: str, first_names: frozenset[str]) -> bool:
    """The words before a name make it a thing's or a place's: an article
    ("the Hilton", "a Jack Max router"), "on" naming a street ("the store on
    Jefferson", but not "on Frank's plan"), an ampersand ("Ben & Jerry's"), or a
    colour or a year said of it (``_described_as_a_thing``; not of one of ``first_names``)."""
    word = words[index]
    if word.business_mark or _described_as_a_thing(words, index, text, first_names):
        return True
    if not index or not _adjacent(text, words[index - 1], word):
        return False
    before = words[index - 1].folded
    if before == "on":
        return not text.startswith(("'s", "’s"), word.end)
    # "a"/"an" only before a capital, or before lowercase where names are capitalised ("He was
    # a beagle"): in lowercase speech "s a ndiaye" spells.
    return before in NOT_A_PERSON_BEFORE and (before == "the" or word.capitalised or word.cased)


# Makes of car and motorcycle that are also surnames or names.
MAKES = frozenset(
    "ford lincoln dodge chrysler buick chevrolet chevy cadillac tesla porsche ferrari lamborghini maserati bentley "
    "royce honda toyota nissan subaru mazda hyundai kia jeep acura lexus infiniti volvo audi mercedes fiat "
    "mitsubishi pontiac oldsmobile saturn mercury plymouth harley yamaha kawasaki suzuki ducati".split()
)
# A colour or a model year said of it makes a make of a name: "a white Ford Explorer", "my 2019
# Ford", "Silver Ford Escape."
_DESCRIBED = re.compile(
    r"(?:\b(a|an|the|my|our|his|her|their|your|this|that)\s+|^|[.!?]\s+)"
    rf"(?:(?:19|20)\d\d\s+(?:(?:{'|'.join(sorted(COLOURS))})\s+)?|(?:{'|'.join(sorted(COLOURS))})\s+)$",
    re.IGNORECASE | re.MULTILINE,
)


def _described_as_a_thing(words: list[Word], index: int, text: str, first_names: frozenset[str]) -> bool:
    """A colour or a model year, after an article or where a sentence starts, goes right before
    the capitalised word at ``index``, a make of ``MAKES``: "a white Ford Explorer", "my 2019
    Ford"; not a person described ("a white Okafor", "the 2021 Hargrove policy"), a common first
    name (of ``first_names``: "Lincoln"), or one with a surname after it ("a 2019 Ford Murray")."""
    word = words[index]
    if not word.capitalised or word.folded not in MAKES or word.folded in first_names:
        return False
    following = words[index + 1] if index + 1 < len(words) else None
    if following is not None and following.name and following.capitalised and _adjacent(text, word, following):
        return False
    described = _DESCRIBED.search(text, max(0, word.start - 30), word.start)
    if described is None:
        return False
    # A colour opening a sentence describes a make only with its model after it: "Silver Ford
    # Escape.", not "Silver Ruiz is my landlord."
    return bool(described.group(1)) or (following is not None and following.capitalised)


def _initial(text: str, word: Word) -> bool:
    """A capital letter standing for a name: "K." in "Harpreet K. Sandhu"."""
    return len(word.text) == 1 and word.text.isupper() and text.startswith(". ", word.end)


def _slot_before(words: list[Word], index: int, text: str) -> str | None:
    """How strongly the phrase before ``index`` says a name follows: "strong", "relation", "weak" or None."""
    phrase = _phrase_before(words, index, text)
    if phrase is None:
        return None
    if phrase in _STRONG.get(len(phrase), ()) or (
        phrase == ("is",) and _NAME_THEN_IS.search(text, 0, words[index].start)
    ):
        return "strong"
    return "relation" if phrase in _RELATIONS.get(len(phrase), ()) else "weak"


def _said_as_a_person(words: list[Word], first: int, last: int, text: str) -> bool:
    """The words ``first`` to ``last``, a listed brand's or public figure's name (``eponyms.txt``),
    are a person's here: they answer a question for a person ("Who am I speaking with?" / "Ethan
    Allen."), follow a phrase that introduces a person or a relation ("my husband Ethan Allen"), are
    followed by what a person does ("Grant Thornton called me"), or a name that is nothing else goes
    on from them with a space alone between ("Daniel Sikorsky", "Sallie Mae Jenkins"). One shaped
    like a person's, a first name first ("Ethan Allen", "Fred Meyer"), is a thing's only where the
    talk says so: after "at", "from" or an article, before a lowercase word that is no verb of a
    person's ("the Ethan Allen dining set", "Taylor Swift tickets"), or beside another brand ("Fannie
    Mae or Freddie Mac")."""
    if words[first].answers_for_a_person:
        return True
    before = words[first - 1] if first else None
    after = words[last + 1] if last + 1 < len(words) else None
    given = lexicon.load().census_given
    if (
        before
        and (
            before.folded in RELATIONS
            or ((before.unambiguous or before.folded in given) and words[first].start - before.end == 1)
        )
    ) or (after and after.unambiguous and after.start - words[last].end == 1):
        return True
    slot = _slot_before(words, first, text)
    if (
        (slot == "strong" and _phrase_before(words, first, text) not in _LOOSE | _A_THING_TOO)
        or slot == "relation"
        or _PERSON_DOES.match(text, words[last].end)
        or _MY_RELATION.match(text, words[last].end)
        or _A_PERSON_BEFORE.search(text, max(0, words[first].start - 32), words[first].start)
    ):
        return True
    if words[first].folded not in lexicon.load().given:
        return False
    if before and before.folded in _A_THING_S_WORDS and words[first].start - before.end == 1:
        return False
    following = _LOWERCASE_AFTER.match(text, words[last].end)
    if following and not _PERSON_DOES.match(text, words[last].end):
        return False
    return not (_BRAND_JOINED.match(text, words[last].end) or _BRAND_JOINED_BEFORE.search(text, 0, words[first].start))


def _adjacent_after_initial(text: str, initial: Word, name: Word) -> bool:
    return name.start == initial.end + 2


def _adjacent(text: str, left: Word, right: Word) -> bool:
    """Only a space or a hyphen between two words (in either order)."""
    left, right = sorted((left, right), key=lambda word: word.start)
    return _JOINER.fullmatch(text[left.end : right.start]) is not None


def _stops(text: str, left: Word, right: Word) -> bool:
    """A sentence ends between two words: a slot does not carry across it."""
    return bool(SENTENCE_END.search(text, left.end, right.start))


def _vocative(text: str, word: Word) -> bool:
    """Addressed between commas, or at a turn's start before a comma: "Alright, Grace, …", "Guadalupe, can you…"."""
    before = text[max(0, word.start - 2) : word.start]
    after = text[word.end : word.end + 1]
    if text[max(0, word.start - 3) : word.start].startswith("]"):
        return False  # "…, [CREDIT_CARD], December, …": a list of what was said, not someone addressed
    if _quoted(text, word.start) or _in_a_list(text, word):
        return False  # "it says "Delivered, Front Porch, 2:14"", "Hulu, Max, and Peacock"
    return (
        word.capitalised
        and not word.place
        and ("," in before and after in (",", "?", "!", ".") or word.initial and after == ",")
        and not (word.initial and word.folded in ACKNOWLEDGEMENTS)
    )


def _quoted(text: str, position: int) -> bool:
    """Inside quotation marks on the same line: a label read out, not talk."""
    line_start = text.rfind("\n", 0, position) + 1
    before = text[line_start:position]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


_LIST_BEFORE = re.compile(r"[^.!?:\s]\s+[A-Z][\w'’-]*,\s+$")
_LIST_AFTER = re.compile(r",?\s+(?:and|or)\s|,\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?,")


def _in_a_list(text: str, word: Word) -> bool:
    """One of a list of capitalised things: "Hulu, Max, and Peacock", "Chase, Wells Fargo, or a credit union"."""
    before = text[max(0, word.start - 40) : word.start]
    return bool(_LIST_BEFORE.search(before)) and not word.initial or bool(_LIST_AFTER.match(text, word.end))


def _known(text: str, names: Iterable[str]) -> list[Found]:
    parts = set()
    for name in names:
        name = " ".join(name.split())
        if name:
            parts.add(name)
            parts.update(word for word in name.split() if len(word) > 1 and fold(word) not in NOT_NAMES)
    if not parts:
        return []
    alternatives = sorted(parts, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(part) for part in alternatives) + r")(?!\w)", re.IGNORECASE)
    return [Found(match.start(), match.end(), 0.9) for match in pattern.finditer(text)]
