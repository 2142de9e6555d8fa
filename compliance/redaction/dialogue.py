"""What a transcript is talking about at each point: topics mentioned, what
was just asked, and which values stand alone as answers.

Values such as "4417" or "12/27" are personal only in context. The context
may be in the value's own sentence ("my PIN is 4417"), or in what was just
asked ("What's the security code? 4 1 2."), or in the flow of the call (a
bare "861." after a card number). ``Dialogue`` reads a text once: where its
sentences are, where each topic is mentioned, and which sentences ask for
something. Recognisers then ask it about a value's position.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator

from . import CONTEXT_TURNS, lexicon

FLAGS = re.IGNORECASE

# A business's own numbers, whose parts are no one's: "the tracking number ends in 4471".
HARMLESS_IDENTIFIERS = (
    "(?:order|confirmation|tracking|trace|reference|ticket|case|invoice|serial|model|part|item|sku|product|flight|"
    "incident|promo|coupon|voucher|shipment|package|store|booking|reservation|quote|cancellation|report|locator)"
)
# What a sentence can be about. A value of a type counts as in context when
# its topic is mentioned close before it (or, for some, after it).
TOPICS = {
    "SSN": r"\bsocial\b|\bssn\b|s\.s\.n|security number|\btax id\b|\bitin\b|\bein\b|employer identification",
    "CARD": r"\b(?:credit|debit) card\b|\bcard\b|\bvisa\b|master ?card|\bamex\b|american express|\bdiscover\b",
    "CVV": (
        r"\bcvv\b|\bcvc\b|\bcid\b|security code|card code|verification (?:code|number|value)|"
        # Not a business's code of so many digits: "the four digit store number".
        rf"(?<!last )(?:three|3|four|4)[- ]digits?\b(?!\s+{HARMLESS_IDENTIFIERS}\b)|"
        r"code on the back|back of the card|\bthe back (?:is|says)\b|"
        # Not "on the back of the washer": a thing's other than a card's.
        r"\bon the (?:back|front)\b(?! (?:desk|door|porch|office|page|steps|lawn|seat))"
        r"(?! of (?:the|your|my|this|that|its) (?!(?:credit |debit |new |old )?card)\w)|(?<![a-z] )\bback (?:is|says)\b"
    ),
    # "the code" is the card's security code in a payment, a PIN elsewhere.
    "CODE": (
        r"(?<!promo )(?<!zip )(?<!area )(?<!error )(?<!discount )(?<!coupon )(?<!postal )(?<!country )"
        r"(?<!confirmation )(?<!tracking )(?<!reference )(?<!product )\bcode(?:'s)?\b"
    ),
    "EXPIRY": r"expir|\bexp\b|valid (?:thru|through|until)|good (?:thru|through)",
    # Things other than a card that expire: their month or year is not a card's.
    "NOT_CARD": (
        r"passport|licen[cs]e|\bplates?\b|registration|\btags\b|warranty|\blease\b|subscription|\btrial\b|"
        r"\boffer\b|\bpermit\b|\bvisa application\b|\bid\b"
    ),
    "ROUTING": r"routing|\baba\b|transit",
    "BANK": r"checking|savings|bank account|account at|deposit|routing",
    "PHONE": r"phone|number|\bcall|reach|\bcell|mobile|\btext|contact|\bfax|callback|\bdial|landline|\bhome\b",
    "SHORT_PHONE": r"phone|\bcall\b|reach|\bcell|mobile|text me|\bfax|\bdial|landline",
    "AREA_CODE": r"\barea code\b",
    "DOB": (
        r"\bborn\b|\bbirth|\bdob\b|d\.o\.b|birthday|birth ?date|\bb[- ]?day\b|came into (?:this|the) world|"
        r"cumplea[nñ]os|fecha de nacimiento"
    ),
    "BIRTH_YEAR": (
        r"born in|birth year|year of birth|born (?:back )?in the year|(?:and )?the year\?|"
        r"(?:were|was) (?:you|i|he|she|they|we) born|"
        r"what year\b(?!\s+(?:is|was|did|does|do|are|will|would|and)\b)|"
        r"\bthe year,? (?=caller\b|customer\b)|"
        # "born ninety eight in august", "born on christmas day, 1959".
        r"\bborn(?: on| in)?\b"
    ),
    "ZIP": r"\bzip\b|zip ?code|zipcode|postal code|post code",
    # A date asked about that is not a birth: "What's the date on the letter?", "When did it arrive?"
    "EVENT_DATE": (
        r"\bdate (?:on|of) (?:the|your|that|this)\b(?! birth)|"
        r"\bdates? of (?:service|purchase|loss|sale|delivery|installation|the (?:accident|incident|visit|loss))\b|"
        # "What year is the car?": a thing's year.
        r"\bwhat year (?:is|was) (?:the|your|that|this) (?:car|vehicle|truck|van|suv|bike|motorcycle|boat|"
        r"camper|trailer|house|home|roof|furnace|boiler|heater|water heater|unit|appliance|washer|dryer|fridge|"
        r"refrigerator|tv|model)\b|"
        r"\b(?:what|which) (?:date|day)\b(?! (?:of|were|was) (?:your )?birth)|"
        r"\bwhen (?:did|was|were|is|does|do|will|would|should|can|could|are|has|have|had)\b"
        r"(?!(?: you| he| she| they| i| we)? born)|"
        # "What year did you buy the washer?", "what year was the house built?"; not "What year did you
        # come into the world?" or a secret's year ("what year did you graduate?").
        r"\bwhat year (?:did|do|does|was|were|is|will|would|has|have|had) "
        r"(?:you|he|she|they|we|i|it|the|your|that|this)"
        r"(?: \w+)? (?:buy|bought|purchase|purchased|get|got|open|opened|start|started|install|installed|build|built|"
        r"make|made|lease|leased|finance|financed|sign|signed|join|joined|register|registered|file|filed|order|ordered|"
        r"replace|replaced|renovate|renovated|move in|moved in|take out|took out)\b|"
        # A date named by what happens on it: "Please say a new date.", "the date you'd like to start".
        r"\b(?:new|another|different|preferred|delivery|appointment|service|renewal|"
        r"closing|installation|pickup|return|travel|departure|arrival|event|purchase|payment|billing|move-in|"
        r"move-out|shipping|ship|cancellation|surgery|procedure) date\b|"
        r"\bthe date (?:you|you'd|that you|for the|for your|to)\b|"
        # "When's a good time?", "what time works?": an appointment asked for.
        r"\bwhen's\b|\ba good (?:time|day)\b|\bwhat time\b"
    ),
    # Where a house number and a street said without its kind are an address (not an e-mail's).
    "ADDRESS": (
        r"(?<!mail )(?<!ip )\b(?:address|addresses)\b|"
        r"\b(?:live|lives|living|located|reside|resides)\s+(?:at|on)\b|"
        # "At my house, 5502 Del Mar Vista": where one's home is, said before its house number (not
        # "At my house, 2 dogs bark all night").
        r"\b(?:at|to) (?:my|our|his|her|their) (?:house|home|place|apartment|condo)(?=,?\s+\d{3})"
    ),
    # Where someone lives, or their address: a street named after it is theirs ("I live on Harlow
    # Crescent", "is your mailing address still the one on Carrollwood Terrace?").
    "RESIDENCE": (
        r"\b(?:(?:my|your|his|her|our|their)\s+(?:(?:old|new|current|previous|home|mailing|billing|street)\s+)*|"
        r"(?:home|mailing|billing|residential)\s+)address\b|\baddress on file\b|"
        r"\b(?:live|lives|lived|living|reside|resides|resided|residing)\s+"
        r"(?:(?:over|out|down|up|right|just)\s+)?(?:at|on|off)\b|"
        r"\b(?:i|we|he|she|they|you)(?:['’]ve| have| had| just| recently| finally)*\s+moved\s+"
        r"(?:(?:over|out|down|up|back)\s+)?(?:to|onto|into)\b"
    ),
    # Where a box said alone is one's mail's: "I get my mail at a PO box." / "Box 1142."
    "PO_BOX": r"\b(?:p\.?\s?o\.?|post office)\s?box\b",
    "HOUSE_NUMBER": (
        r"\b(?:house|street|building|box) number\b|\bthe (?:house|building) is\b|"
        r"\b(?:what|which) number on (?:the|that|this|your) street\b"
    ),
    # An address asked for in pieces: "Please say the street name.", "And the unit number?"
    "STREET": (
        r"\b(?:street|road) name\b|\bname of the (?:street|road)\b|"
        r"\b(?:and|repeat|spell|say|confirm) (?:the |your )?street\b|\b(?:and|what|which) (?:the |your )?road\b|"
        # "And what street is that on?", "Which street?"; not "What street is the store on?".
        r"\b(?:what|which) street(?=\s*\?|\s+is (?:that|it|this|the (?:house|home|property|apartment|place)) on\b)|"
        r"\bstreet (?:do|did) (?:you|they|he|she) live on\b"
    ),
    # Not "Do you need more storage space?", "Was the tire flat?", "Is that per unit?", "Any
    # problems with the unit?".
    "UNIT": (
        r"\b(?:apartment|apt|suite)(?: number| letter| #| no\.?)?(?=\s*[?,.]|\s+(?:number|is)\b)|"
        r"\b(?:unit|lot|space|flat)(?: number| letter| #| no\b\.?)|"
        r"(?:\b(?:what|which|and the|and your|and)\s+|(?<![^\n]))(?:unit|flat|lot|space)(?=\s*\?)"
    ),
    "ACCOUNT": (
        r"\b(?:member|policy|account|acct|customer|subscriber|claim|patient|loyalty|rewards|plan|certificate|"
        r"contract|membership|frequent flyer|flyer|miles|mileage|medicare|medicaid)\b"
        r"(?:\s+(?:id|number|no\.?|num|#))?|"
        r"\b(?:student|employee|donor|tenant|resident|participant|juror|claimant|badge|enrollment|enrolment)\s+"
        r"(?:id|number|no\.?|#)|\b(?:his|her|your|my|their) id\b"
    ),
    "PIN": (
        r"\bpin\b|passcode|pass code|password|pass word|access code|verification code|one[- ]time code|\botp\b|"
        r"security pin|secret code|\b(?:gate|door|alarm|garage|entry|lockbox|keypad|building|disarm|arming) code\b|"
        r"\block ?box\b|"
        r"(?<!promo )(?<!zip )(?<!area )(?<!error )(?<!discount )(?<!coupon )(?<!postal )(?<!country )"
        r"(?<!confirmation )(?<!tracking )(?<!reference )(?<!product )(?<!security )(?<!card )"
        r"\bcode(?:'s| is| says| was| it's)\b|\bthe code\b(?! on the back)"
    ),
    "DRIVER_LICENSE": r"driver'?s?\s+licen[cs]e|\bdl\b|licen[cs]e|\bpermit\b",
    "PASSPORT": r"passport|\b(?:photo|data|biographical) page\b",
    # "The number's A03918274": the number of what was just talked about.
    "NUMBER_REFERENCE": r"\bthe number(?:['’]s|\s+is|\s+was|\s+on it is)\b",
    "PARTIAL": (
        # Not a time or a place: "my shift ends at two thirty", "it ended on the 5th".
        r"\b(?:ends?|ending|ended)(?: (?:in|with))?\b"
        r"(?!\s+(?:up|soon|today|tonight)\b|\s+(?:at|on|by|around|about|after|before)\b(?![\s,]+(?:\d[\s-]?){4}))|"
        r"\blast (?:four|4|two|2|three|3|five|5|six|6)\b(?: (?:digits?|numbers?)\b)?"
        r"(?!\s+(?:months?|years?|days?|weeks?|hours?|minutes?|times|payments?|statements?|bills?|calls?|orders?|"
        r"transactions?|charges?|visits?|deliveries|invoices?|checks?|deposits?|people|items?))"
    ),
    # A business's place, whose address or street is no person's: "What's the address of the branch?"
    "BUSINESS": (
        r"\b(?:store|stores|branch|branches|restaurant|office|location|mall|shop|company|business|warehouse|"
        r"clinic|pharmacy|dealership|station|terminal|venue|hotel)\b"
    ),
    # Numbers said about these are not personal data.
    "HARMLESS": (
        r"\b(?:order|confirmation|tracking|reference|ref|ticket|case|invoice|receipt|transaction|serial|model|part|"
        r"item|sku|product|flight|booking|reservation|incident|extension|ext|press|option|room|seat|version|error|"
        r"price|total|balance|cost|costs|fee|rate|appointment|scheduled|delivery|deliver|shipped|arrive|percent|"
        r"tier|step|page|channel|aisle|store|branch|promo|coupon|discount|unit price|quantity|kilowatt|gigs?|quote|"
        r"cancellation|"
        r"degrees|temperature|score|odometer|mileage reading|budget|rent|paid|pay|charged|refund|credit of|"
        # Dates of events, not of births.
        r"founded|opened|moved|since|started|married|graduated|hired|purchased|bought|installed|joined|closed|"
        r"built|retired|established|anniversary|"
        # An insurance group number is the employer's.
        r"group)\b|\b(?:report|locator) (?:number|no\.|#)|\$"
    ),
}
# Each topic's mentions start with, or hold near their start, one of these
# words. The text is searched once for all of them, and each topic's pattern
# is tried only around the words that can start it: one pass over a long
# transcript instead of one per topic.
ANCHORS = {
    "SSN": "social ssn s.s.n security tax itin ein employer",
    "CARD": "card credit debit visa master amex american discover",
    "CVV": "cvv cvc cid security card verification digit digits back front",
    "CODE": "code",
    "EXPIRY": "expir exp valid good",
    "NOT_CARD": "passport licen plate plates registration tags warranty lease subscription trial offer permit visa id",
    "ROUTING": "routing aba transit",
    "BANK": "checking savings bank account deposit deposits routing",
    "PHONE": (
        "phone phones iphone number numbers call calls called calling caller callers callback reach cell cellphone "
        "mobile text texts texting texted contact fax dial landline home"
    ),
    "SHORT_PHONE": "phone call reach cell mobile text fax dial landline",
    "AREA_CODE": "area",
    "DOB": "born birth dob d.o.b bday b came fecha",
    "BIRTH_YEAR": "born birth year",
    "ZIP": "zip zipcode postal post",
    "EVENT_DATE": "date day when good time year",
    "ADDRESS": "address addresses live lives living located reside resides house home place apartment condo",
    "RESIDENCE": "address addresses live lives lived living reside resides resided residing moved",
    "PO_BOX": "p.o po p post",
    "HOUSE_NUMBER": "house street building box number",
    "STREET": "street name road",
    "UNIT": "apartment apt unit suite lot space flat",
    "ACCOUNT": (
        "member policy account acct customer subscriber claim patient loyalty rewards plan certificate "
        "contract frequent flyer miles mileage medicare medicaid student employee donor tenant resident participant "
        "juror claimant badge enrollment enrolment id"
    ),
    "PIN": (
        "pin pass passcode passcodes password passwords access verification one otp security secret gate door alarm "
        "garage entry lockbox lock keypad building code disarm arming"
    ),
    "DRIVER_LICENSE": "driver dl licen permit",
    "PASSPORT": "passport photo data biographical",
    "NUMBER_REFERENCE": "number",
    "PARTIAL": "end ends ending ended last",
    "BUSINESS": (
        "store stores branch branches restaurant office location mall shop company business warehouse clinic "
        "pharmacy dealership station terminal venue hotel"
    ),
    "HARMLESS": (
        "order confirmation tracking reference ref ticket case invoice receipt transaction serial model part item "
        "sku product flight booking reservation incident extension ext press option room seat version error price "
        "total balance cost costs fee rate appointment scheduled delivery deliver shipped arrive percent tier step "
        "page channel aisle store branch promo coupon discount unit quantity kilowatt gig gigs quote cancellation "
        "degrees temperature "
        "score odometer mileage budget rent paid pay charged refund credit founded opened moved since started "
        "married graduated hired purchased bought installed joined closed built retired established anniversary group "
        "report locator $"
    ),
}
# Topics looked up only where they are mentioned (``mentioned_within``): never what a sentence
# is counted as being about, nor carried to the next.
ASIDE_TOPICS = frozenset({"BUSINESS", "RESIDENCE"})
_TOPIC_PATTERNS = {name: re.compile(pattern) for name, pattern in TOPICS.items()}
_TOPICS_BY_ANCHOR: dict[str, list[str]] = {}
for _topic, _words in ANCHORS.items():
    for _word in _words.split():
        _TOPICS_BY_ANCHOR.setdefault(_word, []).append(_topic)
# Anchors that are a word's first letters: "expir" for "expires", "expiry"…
_ANCHOR_PREFIXES = ("expir", "licen", "birth", "master", "digit", "verification", "cumplea")
for _prefix in _ANCHOR_PREFIXES:
    _TOPICS_BY_ANCHOR.setdefault(_prefix, [])
_TOPICS_BY_ANCHOR["expir"] = ["EXPIRY"]
_TOPICS_BY_ANCHOR["licen"] = ["DRIVER_LICENSE", "NOT_CARD"]
_TOPICS_BY_ANCHOR["cumplea"] = ["DOB"]
_ANCHOR_WORDS = frozenset(_TOPICS_BY_ANCHOR) - set(_ANCHOR_PREFIXES)
_WORD_OR_SIGN = re.compile(r"d\.o\.b|s\.s\.n|[a-z]+|\$")
_PLACEHOLDER = re.compile(r"\[[a-z_]+\]")


def _anchors(lowered: str, wanted: frozenset[str] | None = None) -> list[tuple[int, int, list[str]]]:
    """Where anchor words occur, and the topics each may start (of the ``wanted`` ones, if
    given). The words of the text are collected once; each anchor found among them is then
    looked up with ``str.find``, far quicker than reading every word."""
    present = set(_ANCHOR_WORDS.intersection(_WORD_OR_SIGN.findall(lowered)))
    present.update(prefix for prefix in _ANCHOR_PREFIXES if prefix in lowered)
    if wanted is not None:
        present = {word for word in present if not wanted.isdisjoint(_TOPICS_BY_ANCHOR[word])}
    found = []
    length = len(lowered)
    # A placeholder ("[CVV]", "[CREDIT_CARD]") is what was hidden, not talk
    # about it: read as a topic, it would type the text next to it anew.
    placeholders = [match.span() for match in _PLACEHOLDER.finditer(lowered)] if "[" in lowered else []
    for word in present:
        topics = _TOPICS_BY_ANCHOR[word]
        if wanted is not None:
            topics = [topic for topic in topics if topic in wanted]
        whole = word not in _ANCHOR_PREFIXES and word[-1].isalpha()
        position = lowered.find(word)
        while position != -1:
            end = position + len(word)
            if (
                (position == 0 or not lowered[position - 1].isalpha() or word == "$")
                and (not whole or end == length or not lowered[end].isalpha())
                and not any(start <= position < stop for start, stop in placeholders)
            ):
                found.append((position, end, topics))
            position = lowered.find(word, position + 1)
    return found


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def lower(text: str) -> str:
    """``text`` in lower case with the same offsets (a few letters outside
    ASCII grow when lower-cased; then only A–Z are)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_LOWER)


# Context is looked for within the sentence; a question does not end it
# ("my social? it's 219…" answers itself).
_CONTEXT_BREAK = re.compile(r"[.!](?=\s)|\n")
# Where a sentence or a turn ends, for what was just asked and for where a
# name can start: a full stop (not the one of "Mr." or "St."), a question or
# exclamation mark, an ellipsis, a new line, or a speaker's label ("Caller:").
SENTENCE_END = re.compile(
    # The lookahead first: ten lookbehinds tried at every character cost
    # more than the rest of the sentence splitting together.
    r"(?=[.!?…])(?<!\bmr)(?<!\bmrs)(?<!\bms)(?<!\bdr)(?<!\bst)(?<!\bjr)(?<!\bsr)(?<!\bmt)(?<!\bft)(?<!\bprof)"
    r"(?:[.!?]+|…)(?=\s|$)|\n|\s(?=(?:agent|caller|customer|rep)\s*:)",
    re.IGNORECASE,
)
_ASKED_IN_WORDS = (
    r"\b(?:what's|what is|whats|can i (?:have|get)|could i (?:have|get)|may i (?:have|get)|can you|could you|"
    r"please|confirm|verify|(?:i|you|we|she|he|they)(?:'ll| will)? need|read me|give me|tell me|go ahead|provide|"
    r"enter|say|"
    r"and your|and the)\b"
)
REQUEST = re.compile(r"\?|" + _ASKED_IN_WORDS, FLAGS)
_REQUEST_IN_WORDS = re.compile(_ASKED_IN_WORDS, FLAGS)
# The last four of a business's number: "the last four of the tracking number", read after the mention.
_PARTIAL_OF_HARMLESS = re.compile(
    rf"(?:\s+(?:digits?|numbers?))?\s+of\s+(?:the|your|that|this|its)\s+(?:[\w-]+\s+)?{HARMLESS_IDENTIFIERS}\b", FLAGS
)
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?|\d+")
# A payment spoken of: the expiry asked for is the paying card's ("To pay the registration renewal fee, …").
_PAID_FOR = re.compile(r"\b(?:pay\w*|paid|fee|charg\w*)\b")
# A card's number said: "Thanks, that's 4111 1111 1111 1111." / "…, the expiration date on that?"
_CARD_NUMBER = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
# A question asked back answered yes: "The order number? Sure, it's …" gives that number.
_AFFIRMED = re.compile(r"[\s,]*(?:sure|yes|yeah|yep|yup)\b")
# A business's code asked for: "What's your confirmation code?", "Do you have the quote number?"
_BUSINESS_CODE_ASKED = re.compile(
    rf"\b(?:{HARMLESS_IDENTIFIERS}|ref|receipt|transaction|bag tag|return label)\s+(?:number|code|no\b|#)|"
    r"\b(?:record|booking) locator\b"
)
# Topics that say what a value is, as a person's.
_IDENTIFYING_TOPICS = frozenset(
    {"SSN", "CARD", "DRIVER_LICENSE", "PASSPORT", "PIN", "BANK", "ROUTING", "DOB", "BIRTH_YEAR", "ZIP"}
)
# A person's identifier or secret named by a word no topic reads: "my MRN is…", "…, that's my SIN".
_IDENTIFIER_SAID = re.compile(
    r"\b(?:mrn|medical record|alien|a-number|known traveler|ktn|redress|global entry|tin|sin|national insurance|"
    r"va file|npi|dea|vin|mbi|beneficiary|curp|security word|secret|username|user name|login|snap|ebt|"
    r"(?:member|policy|account|patient|subscriber|medicare|medicaid) (?:id|number)|"
    # "my SkyMiles number", "my Delta number": a number said to be one's own.
    r"my (?:[\w'’-]+ ){0,2}(?:number|id|#)|skymiles|mileageplus|aadvantage|bonvoy|hhonors)\b"
)
_OWN_IDENTIFIER_TOPICS = frozenset({"SSN", "DRIVER_LICENSE", "PASSPORT", "PIN", "ACCOUNT", "BANK", "DOB"})
# A question whose answer is a number of things: "How many people live at the address?"
_COUNT_ASKED = re.compile(r"\bhow (?:many|much|long|often|far)\b")
# Words that leave a value standing alone: "Um, 12/27.", "Yes, it's 861."
BARE_WORDS = frozenset(
    """
    um uh umm uhh er erm ah hmm mm oh so and then yes yeah yep sure okay ok it's its it is that's thats that was
    the right correct alright agent caller customer rep mine like well just i think it's that one sorry no wait
    actually hang on hold let me see got here you go either or maybe now probably try think it she he says said
    mean he's she's hes shes his hers they're theyre
    """.split()
)
CARRY_DISTANCE = 240
# How much of the turns before one is read as its context: a question and a little more.
CONTEXT_CHARACTERS = 300


def turn_window(text: str, position: int) -> tuple[int, int]:
    """The part of ``text`` read with the turn (line) at ``position``: the turns before it that
    a turn's context holds (``CONTEXT_TURNS`` of them, ``CONTEXT_CHARACTERS`` at most), and the
    turn itself to its end. A whole call read in one pass reads each turn's style in what a
    turn read alone after its context would hold, never in turns after it or long before it."""
    line_start = text.rfind("\n", 0, position) + 1
    start = line_start
    for _ in range(CONTEXT_TURNS):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    end = text.find("\n", position)
    return max(start, line_start - CONTEXT_CHARACTERS - 1), len(text) if end == -1 else end


_KEY_PRESSED = re.compile(
    r"[\s,]*(?:and\s+)?(?:then\s+)?(?:followed\s+by\s+|press(?:ing)?\s+|hit(?:ting)?\s+)?(?:the\s+)?"
    r"(?:pound|hash|hashtag|star|enter|number sign)(?:\s+(?:key|sign|button))?\b",
    re.IGNORECASE,
)


# How far back a question just before a bare answer is: "What's the order number?" / "55123 and …".
_ASKED_JUST_BEFORE = 100
# Another value said with its name after a bare one: "…, and the zip is …", "and my last four are …".
_ANOTHER_VALUE_NEXT = re.compile(
    r"[^\S\n]*,?[^\S\n]*and[^\S\n]+(?:the|my|our|his|her|its|it's)[^\S\n]+(?:zip|zip code|postal code|unit|"
    r"apartment|apt|suite|street|last four|expiration|expiry|exp|security code|cvv|date of birth|birthday|social|"
    r"phone|cell|member id|account number|pin|passcode)\b[^\S\n]+(?:is|are|was|'s|number is)\b",
    FLAGS,
)
# The words that choose a value, said just before it: "let's do 5519", "how about 0817", "make it 2468".
_CHOSEN = re.compile(
    r"\b(?:(?:let's|lets|let us)\s+(?:do|go with|use|make it|say|try)|(?:i'll|ill|i will|i'd|we'll)\s+"
    r"(?:go with|use|do|pick|choose|take)|(?:how|what) about|make it|go with|set it (?:to|as)|change it to)"
    r"[,.]?\s+(?:(?:uh|um|er),?\s+)?\Z",
    FLAGS,
)
# What is chosen so is a code, in digits or number words; not a day ("Let's do the 10th.").
_CHOSEN_VALUE = re.compile(
    r"(?:\d+(?!\d|st|nd|rd|th)|(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b)", FLAGS
)


def _a_surname(text: str, start: int, end: int) -> bool:
    """The word at ``start`` is a surname in capitals after a first name or a title: "Devon Price",
    "Mr. Case"; not "The FedEx Tracking number", "Walmart Order number"."""
    before = _A_NAME_S_WORD.search(text, max(0, start - 32), start + 1)
    if before is None or not text[start:end].istitle():
        return False
    names = lexicon.load()
    return text[start:end].lower() in names.family and (
        before.group("title") is not None or before.group("first").lower() in names.given
    )


# A word in capitals straight after a first name or a title, as a name's second word is.
_A_NAME_S_WORD = re.compile(r"(?-i:(?P<title>(?:Mr|Mrs|Ms|Mx|Dr)\.)|\b(?P<first>[A-Z][\w'’-]*))[^\S\n]+(?-i:[A-Z])\Z")


class Dialogue:
    """What a text talks about, and where. ``topics``, if given, are the only topics a caller
    will ask about: the others are not looked for (none of them is ever mentioned)."""

    def __init__(self, text: str, *, topics: Collection[str] | None = None) -> None:
        self.text = text
        lowered = lower(text)
        self.lowered = lowered
        self._carried: dict[tuple[int, bool], frozenset[str]] = {}
        self._bare: dict[tuple[int, int], bool] = {}
        self._sentence_topics: dict[int, frozenset[str]] = {}
        found: dict[str, set[tuple[int, int]]] = {name: set() for name in TOPICS}
        for start, end, anchored in _anchors(lowered, None if topics is None else frozenset(topics)):
            for topic in anchored:
                pattern = _TOPIC_PATTERNS[topic]
                match = pattern.match(lowered, start)
                if match is None:
                    # Mentions that start a word or two before: "the year?", "last four".
                    for match in pattern.finditer(lowered, max(0, start - 16), min(len(lowered), end + 48)):
                        if match.end() > start:
                            break
                    else:
                        continue
                if topic == "HARMLESS" and _a_surname(text, match.start(), match.end()):
                    continue  # a surname, not the talk of an amount: "under Devon Price, client number …"
                found[topic].add(match.span())
        self.mentions: dict[str, list[tuple[int, int]]] = {name: sorted(spans) for name, spans in found.items()}
        self.mention_starts = {name: [span[0] for span in spans] for name, spans in self.mentions.items()}
        self.context_breaks = [match.start() for match in _CONTEXT_BREAK.finditer(text)]
        self.sentence_starts = [0] + [match.end() for match in SENTENCE_END.finditer(lowered)]

    # --- Context within the sentence ---------------------------------------------------------

    def _break_between(self, start: int, end: int) -> bool:
        index = bisect_left(self.context_breaks, start)
        return index < len(self.context_breaks) and self.context_breaks[index] < end

    def before(self, topic: str, position: int, window: int) -> bool:
        """``topic`` is mentioned within ``window`` characters before
        ``position``, in the same sentence."""
        spans, starts = self.mentions[topic], self.mention_starts[topic]
        index = bisect_left(starts, position - window)
        while index < len(spans) and spans[index][0] < position:
            if spans[index][1] <= position and not self._break_between(spans[index][1], position):
                return True
            index += 1
        return False

    def mentioned_within(self, topic: str, position: int, window: int) -> bool:
        """``topic`` is mentioned within ``window`` characters before
        ``position``, in any sentence."""
        starts = self.mention_starts[topic]
        index = bisect_left(starts, position - window)
        return index < len(starts) and starts[index] < position

    def after(self, topic: str, position: int, window: int) -> bool:
        spans, starts = self.mentions[topic], self.mention_starts[topic]
        index = bisect_left(starts, position)
        while index < len(spans) and spans[index][1] <= position + window:
            if not self._break_between(position, spans[index][0]):
                return True
            index += 1
        return False

    def nearest_before(self, topics: tuple[str, ...], position: int, window: int) -> str | None:
        """Of ``topics``, the one mentioned last before ``position`` in its sentence."""
        best, best_end = None, -1
        for topic in topics:
            spans, starts = self.mentions[topic], self.mention_starts[topic]
            index = bisect_left(starts, position) - 1
            while index >= 0 and spans[index][0] >= position - window:
                if spans[index][1] <= position and not self._break_between(spans[index][1], position):
                    if spans[index][1] > best_end:
                        best, best_end = topic, spans[index][1]
                    break
                index -= 1
        return best

    # --- Sentences -------------------------------------------------------------------------

    def sentence(self, position: int) -> tuple[int, int]:
        index = bisect_right(self.sentence_starts, position) - 1
        end = self.sentence_starts[index + 1] if index + 1 < len(self.sentence_starts) else len(self.text)
        return self.sentence_starts[index], end

    def _topics_in(self, start: int, end: int) -> set[str]:
        found = set()
        for topic, starts in self.mention_starts.items():
            if topic in ASIDE_TOPICS:
                continue
            index = bisect_left(starts, start)
            if index < len(starts) and starts[index] < end:
                found.add(topic)
        return found

    def is_bare(self, start: int, end: int) -> bool:
        """The value at ``start:end`` stands alone in its sentence: nothing
        but fillers and other numbers around it ("Um, 12/27.", "861.")."""
        key = (start, end)
        if key not in self._bare:
            self._bare[key] = self._is_bare(start, end)
        return self._bare[key]

    def _is_bare(self, start: int, end: int) -> bool:
        sentence_start, sentence_end = self.sentence(start)
        # The key pressed after a code says nothing else: "It's 4419, then the pound key."
        after = _KEY_PRESSED.match(self.text, end, sentence_end)
        # The words that choose a code where a PIN is spoken of say nothing else: "What would you
        # like your new PIN to be?" / "Okay, let's do 5519."; not an amount chosen elsewhere.
        chosen = (
            _CHOSEN.search(self.text, sentence_start, start)
            if _CHOSEN_VALUE.match(self.text, start) and self.mentioned_within("PIN", start, CONTEXT_CHARACTERS)
            else None
        )
        before = self.text[sentence_start : chosen.start()] if chosen else self.text[sentence_start:start]
        rest = self.text[after.end() if after else end : sentence_end]
        if _ANOTHER_VALUE_NEXT.match(rest) and not self.mentioned_within("HARMLESS", start, _ASKED_JUST_BEFORE):
            # "two two oh one and the zip is seven five…": the next value is said with its name (not
            # after a business's code asked for: "What's the order number?" / "55123 and the zip is …").
            rest = ""
        for part in (before, rest):
            for word in _WORD.findall(part):
                if not (word.isdigit() or word.lower() in BARE_WORDS):
                    return False
        return True

    def carried(self, position: int, *, bare: bool) -> frozenset[str]:
        """Topics carried into the sentence at ``position`` from the one or
        two before it: what was just asked about, or, for a value that stands
        alone, what was just talked about."""
        sentence_index = bisect_right(self.sentence_starts, position) - 1
        key = (sentence_index, bare)
        if key not in self._carried:
            self._carried[key] = self._carried_into(sentence_index, position, bare=bare)
        return self._carried[key]

    def _carried_into(self, sentence_index: int, position: int, *, bare: bool) -> frozenset[str]:
        for index, start, end in self._sentences_back(sentence_index):
            topics = self._topics_of(index) - {"HARMLESS", "PHONE", "PARTIAL"}
            if topics:
                if _COUNT_ASKED.search(self.lowered, start, end) and not _REQUEST_IN_WORDS.search(
                    self.lowered, start, end
                ):
                    # "How many people live at the address?" "Four."; not "What's the house
                    # number, and how long have you been there?"
                    return frozenset()
                if bare or REQUEST.search(self.lowered, start, end):
                    return topics
                return frozenset()
        return frozenset()

    def _sentences_back(self, sentence_index: int) -> Iterator[tuple[int, int, int]]:
        """The sentences before the one at ``sentence_index`` that it may answer, nearest first
        (index, start, end): up to three, within ``CARRY_DISTANCE``, none past a sentence of more
        than four words of its own (a sentence of its own between the question and the answer)."""
        position = self.sentence_starts[sentence_index]
        for index in range(sentence_index - 1, max(-1, sentence_index - 4), -1):
            start = self.sentence_starts[index]
            end = self.sentence_starts[index + 1]
            if position - start > CARRY_DISTANCE:
                return
            yield index, start, end
            content = [word for word in _WORD.findall(self.text, start, end) if word.lower() not in BARE_WORDS]
            if len(content) > 4:
                return

    def names_an_identifier(self, start: int, end: int) -> bool:
        """What is said between ``start`` and ``end`` speaks of a person's identifier or secret: "…,
        that's my license", "Wait, that's my member ID"."""
        return bool(
            self._topics_in(start, end) - {"HARMLESS", "PHONE"} or _IDENTIFIER_SAID.search(self.lowered, start, end)
        )

    def names_an_own_identifier(self, start: int, end: int) -> bool:
        """What is said between ``start`` and ``end`` names a person's identifier or secret as such,
        not a card talked of: "Wait, that's my member ID", "My PIN is 1234 by the way"."""
        return bool(
            self._topics_in(start, end) & _OWN_IDENTIFIER_TOPICS or _IDENTIFIER_SAID.search(self.lowered, start, end)
        )

    def code_asked(self, position: int) -> bool:
        """What is said at ``position`` answers a question for a business's code and for nothing
        of a person's: "What's your confirmation code?" / "K as in kilo, 7, P…"; not "What's your
        member ID or the claim number?", nor "What's the passport number? It's on the
        confirmation page." (the question is the sentence before). Never where the answer's own
        turn speaks of a person's identifier or a secret ("The one-time code is A 4 K…", "…,
        that's my license")."""
        if self.names_an_identifier(*self.turn(position)):
            return False
        for index, start, end in self._sentences_back(self.sentence_index(position)):
            # A call spoken of is no phone number asked for: "the ticket number from your last call".
            topics = self._topics_of(index) - {"PHONE", "SHORT_PHONE"}
            code = _BUSINESS_CODE_ASKED.search(self.lowered, start, end)
            if code or topics:
                asked = REQUEST.search(self.lowered, start, end) is not None
                # Nothing else of the question's turn asks for a person's identifier ("…, or your MRN?").
                return (
                    bool(code)
                    and asked
                    and not topics - {"HARMLESS"}
                    and not _IDENTIFIER_SAID.search(self.lowered, *self.turn(start))
                )
        return False

    def turn(self, position: int) -> tuple[int, int]:
        """Where the turn (the line) holding ``position`` starts and ends."""
        end = self.text.find("\n", position)
        return self.text.rfind("\n", 0, position) + 1, len(self.text) if end == -1 else end

    def _topics_of(self, index: int) -> frozenset[str]:
        if index not in self._sentence_topics:
            start = self.sentence_starts[index]
            end = self.sentence_starts[index + 1] if index + 1 < len(self.sentence_starts) else len(self.text)
            topics = self._topics_in(start, end)
            if "EVENT_DATE" in topics and "DOB" not in topics:
                # A year asked for with a date that is no birth's is that date's year: "When did
                # you get the TV, what year?" (any word of birth makes it DOB's too).
                topics.discard("BIRTH_YEAR")
            self._sentence_topics[index] = frozenset(topics)
        return self._sentence_topics[index]

    def sentence_index(self, position: int) -> int:
        return bisect_right(self.sentence_starts, position) - 1

    @functools.cached_property
    def _active(self) -> dict[str, frozenset[int]]:
        active = {}
        for topic, spans in self.mentions.items():
            sentences = set()
            for start, _ in spans:
                index = self.sentence_index(start)
                sentences.update(range(index, index + 5))
            active[topic] = frozenset(sentences)
        return active

    def may_apply(self, topic: str) -> frozenset[int]:
        """The sentences where ``topic`` is mentioned, or may have been just
        before: no value elsewhere can be in its context."""
        return self._active[topic]

    def harmless_near(self, position: int) -> bool:
        """Something harmless is said before ``position`` in its sentence or
        in the one before: "We moved here in 1999. It was March 2nd…"."""
        turn = self.turn(position)
        if _IDENTIFIER_SAID.search(self.lowered, *turn):
            return False  # "I don't have the quote number, but my MRN is MR4471920."
        if self.harmless_before(position):
            return True
        index = self.sentence_index(position) - 1
        # A turn's last sentence ends twice, at its stop and at the turn's end: no words between.
        while index > 0 and not self.text[self.sentence_starts[index] : self.sentence_starts[index + 1]].strip():
            index -= 1
        if index < 0 or position - self.sentence_starts[index] > 160:
            return False
        topics = self._topics_of(index)
        if "\n" not in self.text[self.sentence_starts[index] : position]:
            # Not a question asked back: "What's your zip code?" / "Do you need the report number after? It's …"
            asked_back = self._asked_back(position)
            return "HARMLESS" in topics and (asked_back is None or asked_back < self.sentence_starts[index])
        # The turn before asked about something harmless and nothing else: "What's the flight
        # number?", not "And a card to guarantee the room?" or "For the refund I'll need the
        # last four." (A phone's words are too loose to count: "number", "home".) Nor where the
        # value's own turn says what it is: "What's the quote number?" "My EIN is 912447781."
        if self._topics_in(*turn) & _IDENTIFYING_TOPICS:
            return False
        before = self.sentence_starts[index], self.sentence_starts[index + 1]
        if "PARTIAL" in topics and self.partial_of_harmless(*before) and self.turn_is_bare(position):
            topics = topics - {"PARTIAL"}  # "What are the last four of the tracking number?" "6621."
        return (
            "HARMLESS" in topics
            and not topics - {"HARMLESS", "PHONE"}
            and not _IDENTIFIER_SAID.search(self.lowered, *self.turn(before[0]))  # "…, or your MRN?"
        )

    def turn_is_bare(self, position: int) -> bool:
        """The turn holding ``position`` is numbers and the words that leave a value alone, nothing else."""
        words = _WORD.findall(self.text, *self.turn(position))
        return all(word.isdigit() or word.lower() in BARE_WORDS for word in words)

    def partial_of_harmless(self, start: int, end: int) -> bool:
        """Every part asked for or named between ``start`` and ``end`` is a business's number's."""
        mentions = [mention for mention in self.mentions["PARTIAL"] if start <= mention[0] < end]
        return bool(mentions) and all(_PARTIAL_OF_HARMLESS.match(self.lowered, mention[1]) for mention in mentions)

    def a_thing_s_expiry(self, position: int) -> bool:
        """The expiry said at ``position`` was asked or talked of as a thing's other than a card's,
        in its own turn or the turn before: the nearest sentence there that speaks of an expiry
        and names what expires names a passport, a licence, a warranty… ("And the passport's
        expiration date?" / "It expires in, uh, 2029. August 2029."), nothing is paid for, and no
        card is spoken of from there on ("What's the passport number, and when does the card
        expire?", "To pay the registration renewal fee, please say the expiration date."). An
        expiry asked for in the turn before that names nothing is a card's ("Your registration
        expires in June." … "Please say the expiration date.")."""
        turn_start = self.turn(position)[0]
        asked_from = self.turn(turn_start - 1)[0] if turn_start else turn_start
        spans = self.mentions["EXPIRY"]
        for index in range(bisect_left(self.mention_starts["EXPIRY"], position) - 1, -1, -1):
            mention = spans[index][0]
            if mention < asked_from:
                break
            sentence_start, sentence_end = self.sentence(mention)
            topics = self._topics_in(sentence_start, sentence_end)
            if "NOT_CARD" in topics:
                return not (
                    self._topics_in(sentence_start, position) & {"CARD", "CVV"}
                    or _PAID_FOR.search(self.lowered, sentence_start, position)
                    or _CARD_NUMBER.search(self.text, max(0, position - CARRY_DISTANCE), position)
                    # "October 2031. And my date of birth is 04/85."
                    or self._topics_in(*self.sentence(position)) & {"DOB", "BIRTH_YEAR"}
                )
            if topics & {"CARD", "CVV"} or mention < turn_start:
                return False
        return False

    def card_said_before(self, position: int) -> bool:
        """A card or its expiry is spoken of, or a card's number said, in the turns read before
        ``position``: "4111 1111 1111 1111." / "And what date is on there? … 07/28"."""
        return any(self.mentioned_within(topic, position, CONTEXT_CHARACTERS) for topic in ("CARD", "EXPIRY")) or (
            _CARD_NUMBER.search(self.text, max(0, position - CONTEXT_CHARACTERS), position) is not None
        )

    def harmless_before(self, position: int, window: int = 60) -> bool:
        """A business's number or an amount is spoken of just before ``position``, in its sentence;
        not in a question the speaker asks back before answering the one asked of them ("What's
        your PIN?" / "Uh, for the order number? No, that's 4417.")."""
        if not self.before("HARMLESS", position, window):
            return False
        asked_back = self._asked_back(position)
        return asked_back is None or self.before("HARMLESS", position, position - asked_back)

    def _asked_back(self, position: int) -> int | None:
        """Where the question ends that the speaker asked back in their turn before ``position``,
        where the turn before asked them for something of theirs: "What's your PIN?" / "Uh, for
        the order number? No, that's 4417."."""
        turn_start = self.turn(position)[0]
        asked_back = self.text.rfind("?", turn_start, position)
        if not turn_start or asked_back == -1 or _AFFIRMED.match(self.lowered, asked_back + 1):
            return None
        asked = self.turn(turn_start - 1)
        topics = self._topics_in(*asked)
        # Not where the question offered the business's number itself ("Your zip code or the order number?").
        if not REQUEST.search(self.lowered, *asked) or "HARMLESS" in topics or not topics - {"PHONE", "PARTIAL"}:
            return None
        return asked_back


@functools.lru_cache(maxsize=16)
def dialogue(text: str) -> Dialogue:
    return Dialogue(text)
