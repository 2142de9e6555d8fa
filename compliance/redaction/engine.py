"""The redaction engine: rule recognisers over the original text and its
normalised copy, the name finder (statistical recogniser, lexicon, slots),
and the sequence tagger trained on labelled transcripts, with findings
merged and replaced by typed placeholders.

The recognisers are Presidio recognisers, called directly: Presidio's
AnalyzerEngine would tokenise every text again and deep-copy every result
for a context enhancer none of them use, which cost more than the rules.
"""

from __future__ import annotations

import itertools
import logging
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import lexicon, ner, tagger
from .dialogue import SENTENCE_END, dialogue, turn_window
from .normalize import FILLER_WORDS, normalize
from .persons import (
    ACKNOWLEDGEMENTS,
    ADDRESS_THINGS,
    BUSINESS_KINDS,
    COLOURS,
    MAKES,
    NOT_NAMES,
    PARTICLES,
    PEOPLE,
    PLACE_BEFORE,
    STREET_OR_BUSINESS,
    THINGS,
    TITLES,
    UTILITY_WORDS,
    NameFinder,
    Word,
    asks_for_a_person,
    line_at,
    medicine,
    question_in,
)
from .persons import ENTITY as PERSON
from .recognizers import CONTEXT_CHARACTERS, QUANTITY_AFTER, US_STATE_NAMES, US_STATES, forget, recognizers

logger = logging.getLogger(__name__)
# spaCy, weasel and Presidio's decision tracer put stderr handlers of their
# own on their loggers when imported, outside the project's masking filter
# (Presidio's tracer would print the text it analyses). Their records go to
# the project's handlers instead, filtered like every other.
for _library in ("spacy", "weasel", "decision_process"):
    logging.getLogger(_library).handlers.clear()
MINIMUM_SCORE = 0.5
# Above the minimum, below the rules' and the name finder's scores (0.6 and
# up): where one of their findings overlaps the tagger's, its type is given.
TAGGER_SCORE = 0.55
# A value said again: below the rules' own findings, which give the type where both find it.
ECHO_SCORE = 0.6
_TOKEN = re.compile(r"[\w'’-]+")
_REST_OF_WORD = re.compile(r"(?:-[^\W\d_]+)*")
# An amount of money, with its sign, or its thousands set apart and its cents: "$2,316.40", "$38",
# "1,204.33"; not "6,789" (a last four, as speech recognition may write it).
_AN_AMOUNT = re.compile(r"[$£€]\d[\d,]*(?:\.\d\d)?|\d{1,3}(?:,\d{3})+\.\d\d")
_NUMBER_BEFORE = re.compile(r"[$£€]?[\d,.]*$")
_NUMBER_AFTER = re.compile(r"[\d,.]*\d")


def _number_around(text: str, start: int, end: int) -> str:
    """The whole number the span ``start:end`` is part of, with its sign."""
    before = _NUMBER_BEFORE.search(text, max(0, start - 24), start)
    after = _NUMBER_AFTER.match(text, end)
    return text[before.start() : after.end() if after else end]


@dataclass(frozen=True)
class Entity:
    type: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Redaction:
    """The redacted text, and where each entity was in the original. The
    values themselves are never kept."""

    text: str
    entities: tuple[Entity, ...]


class Redactor:
    """Loads once (about a second: the recogniser and the name lexicon), then redacts many texts.

    ``spacy_model`` names the installed spaCy package whose recogniser reads
    capitalised text; empty leaves names to the lexicon and slots alone.
    ``sequence_tagger`` False leaves out the tagger (to measure what it adds).
    """

    def __init__(self, *, spacy_model: str = ner.PINNED_PACKAGE, sequence_tagger: bool = True) -> None:
        self.rules = recognizers()
        entities = ner.EntityFinder(ner.load(spacy_model)) if spacy_model else None
        self.names = NameFinder(lexicon.load(), entities)
        self.tagger = tagger.SequenceTagger() if sequence_tagger else None
        logger.info("redaction.engine_loaded", extra={"spacy_model": spacy_model or "none"})

    def analyze(self, text: str, *, known_names: tuple[str, ...] = (), context: str = "") -> list[Entity]:
        """The entities in ``text``. ``context`` is what was said just before
        (the turns before, one a line; its last ``CONTEXT_CHARACTERS`` are
        read): read with the text, so that "What's the security code?" types
        a bare "4 1 2" that follows, but never redacted itself."""
        return self.analyze_turns((text,), known_names=known_names, context=context)[0]

    def analyze_turns(
        self, turns: Sequence[str], *, known_names: tuple[str, ...] = (), context: str = ""
    ) -> list[list[Entity]]:
        """The entities in each of ``turns``, said one after another after
        ``context``, read in one pass: a conversation's turns joined one a line,
        each read with the turns before it, as ``analyze`` reads a turn with
        its context, and with the turns after it (a value run on into the next
        turn; "That's my cell." after a number). What depends on how the text
        around a turn is written (the tagger's sequence, capitals) is read in
        what the turn read alone after its context would hold (``turn_window``).
        A value found in one turn is found again wherever a later turn repeats
        it. Each entity's span is within its own turn; one that ran on is cut
        at its last letter or digit there."""
        try:
            return self._turns_analyzed(tuple(turns), tuple(known_names), context)
        finally:
            forget()

    def _turns_analyzed(self, turns: tuple[str, ...], known_names: tuple[str, ...], context: str) -> list[list[Entity]]:
        joined = context[-CONTEXT_CHARACTERS:] + "\n" if context else ""
        starts = list(itertools.accumulate((len(turn) + 1 for turn in turns[:-1]), initial=len(joined)))
        text = joined + "\n".join(turns)
        found = self._analyzed(text, known_names, turns=starts)
        if starts[-1]:
            found = _merge(found + _echoes(text, found, starts), text)
        return [_within(found, text, start, start + len(turn)) for start, turn in zip(starts, turns, strict=True)]

    def _analyzed(self, text: str, known_names: tuple[str, ...], *, turns: list[int]) -> list[Entity]:
        """``analyze`` on one text, the turns analysed beginning at ``turns`` (after the context)."""
        words = self.names.words_of(text)
        found = [
            Entity(PERSON, item.start, item.end, item.score)
            for item in self.names.find(text, known_names=known_names, words=words)
        ]
        # The rules read the text through its normalised copy themselves
        # (recognizers.scan), spoken numbers included.
        found += self._rules(text)
        if self.tagger is not None:
            found += self._tagged(text, found, words, turns[0])
        businesses = [match.span(match.lastgroup) for match in _GREETED.finditer(text)] + [
            match.span("firm") for match in _THANKED_FOR_CUSTOM.finditer(text) if self._a_firm(text, match.span("firm"))
        ]
        businesses += self._answered_as(text)
        talk = dialogue(text)
        confident = [
            entity
            for entity in found
            if entity.score >= MINIMUM_SCORE
            # A passport's or a warranty's expiry is no card's, whoever found it.
            and not (entity.type == "CARD_EXPIRY" and talk.a_thing_s_expiry(entity.start))
        ]
        addresses = [entity for entity in confident if entity.type == "ADDRESS"]
        pets = pets_named(text) if _ANIMAL.search(text) else None
        options = menu_options(text)
        confident = [
            entity
            for entity in confident
            if entity.type != PERSON
            or not (
                self._town_after_an_address(text, entity, addresses)
                or self._medicines(text, entity)
                or self._medicine_answered(text, entity)
                or _an_interjection(text, entity)
                or _an_endearment(text, entity)
                or self._thing_asked_for(text, entity)
                or _a_pet_s_name(text, entity, pets)
                or self._place_gone_to(text, entity)
                or self._in_a_place_s_name(text, entity)
                or _a_menu_option(text, entity, options)
                or _a_make_and_model(text, entity)
            )
        ]
        return _merge(self._as_names(confident, text, businesses, turns), text)

    def _thing_asked_for(self, text: str, entity: Entity) -> bool:
        """The name found at ``entity`` answers the turn before it, a question for a thing and not
        for a person: a make, a bank, a hospital, a place ("Please say the make and model
        of your vehicle." / "Ford Ranger."; "Which hospital were you at?" / "saint francis the one
        downtown"; "What city are you in?" / "Um, Marietta."). The name opens its turn, after
        nothing but an answer's first words ("it's a", "just", "yeah"), and ends it or its
        sentence, or goes on about the thing ("…like fifteen years old"). A place asked for by
        "where" is one the place lists hold ("Where are you headed?" / "Just Orlando."). Not
        where the question asks for a person too ("the name on the account", "who", "the
        patient") or for a secret ("In what city were your parents married?", "the make of your
        first car")."""
        line_start = text.rfind("\n", 0, entity.start) + 1
        if not line_start:
            return False  # no turn before it
        if _DIGIT.search(text, entity.start, entity.end):
            return False  # a code: "K7QX4P."
        if text.startswith(("'s", "’s"), entity.end) or text[entity.start : entity.end].endswith(("'s", "’s")):
            return False  # whose it is: "What's the medication?" / "Grace's."
        turn = line_at(text, line_start - 1)[-CONTEXT_CHARACTERS:]
        if _SECRET_ASKED.search(turn) or asks_for_a_person(turn):
            return False
        opening = _WORD.findall(text, line_start, entity.start)
        if any(word.lower() not in _ANSWER_OPENS for word in opening):
            return False
        line_end = text.find("\n", entity.end)
        after = text[entity.end : len(text) if line_end == -1 else line_end]
        if _PERSON_SAID.search(after) or (
            any(word.lower() not in FILLER_WORDS for word in _WORD.findall(after)) and not _ANSWER_GOES_ON.match(after)
        ):
            return False  # "Omar, the teller, opened it.", "Jennifer, she's my nurse there."
        words = tuple(lexicon.fold(word) for word in _WORD.findall(text, entity.start, entity.end))
        places, known = self.names.places.names, self.names.lexicon
        sainted = bool(_SAINT & {*words[:-1], *(word.lower() for word in opening[-1:])})  # "Saint Jude"
        if not sainted and any(
            known.is_unambiguous_name(word) and word not in MAKES and (word,) not in places for word in words
        ):
            return False  # a person's name, not a thing's: "Which bank? / Megan.", "Jordan Miller."
        if set(words) & _TITLES or set(map(str.lower, opening)) & _TITLES:
            return False  # "Sergeant Cole", "Nurse Jackie"
        asked = question_in(turn)
        if _THING_ASKED.search(asked):
            return True
        return bool(_WHERE_ASKED.search(asked)) and words in places

    def _place_gone_to(self, text: str, entity: Entity) -> bool:
        """The name found at ``entity`` is a place the lists hold, said where one is, goes or comes
        from: "a gas station in, um, Tulsa", "we live near Savannah", "your trip from Denver to
        Boise", "the flight departs Savannah", "delivery to Paris". "to" and "from" only after talk
        of a journey or another place: "I spoke to Austin", "a call from Jordan" are people, and a
        possessive is a person's ("in Jordan's name"), as is a place said to be someone ("visiting
        Charlotte, my sister")."""
        if text.startswith(("'s", "’s"), entity.end):
            return False
        words = tuple(lexicon.fold(word) for word in _WORD.findall(text, entity.start, entity.end))
        if words not in self.names.places.names:
            return False
        line_end = text.find("\n", entity.end)
        after = text[entity.end : len(text) if line_end == -1 else line_end].lstrip(" ,")
        if _PERSON_SAID.match(after) or _AT_A_DESK.match(after):
            return False  # "ship it to Tyler, he's my son", "deliver it to Savannah at the front desk"
        line_start = text.rfind("\n", 0, entity.start) + 1
        said = [word.lower() for word in _WORD.findall(text, max(line_start, entity.start - 80), entity.start)]
        said = [word for word in said if word not in FILLER_WORDS]
        if not said:
            return False
        if said[-1] in _WHERE_ONE_IS or said[-2:] == ["out", "of"]:
            return True
        if said[-1] not in ("to", "from"):
            return False
        journey = any(_JOURNEY.fullmatch(word) for word in said[-7:-1])
        return journey or (len(said) > 1 and (said[-2],) in self.names.places.names)

    def _answered_as(self, text: str) -> list[tuple[int, int]]:
        """Where a turn answers the phone with the business's name before the speaker's
        (``_ANSWERED_AS``), a business's word among its words or a firm's names: read back from
        each "this is", "speaking" or "how can I help" to its line's start. Not a person greeted
        ("Hi Grace Hill, this is Mark from the pharmacy.", "Hi Mr Hall, this is Jill.")."""
        found = []
        for said in _SPEAKER_NAMED.finditer(text):
            line_start = text.rfind("\n", 0, said.start()) + 1
            match = _ANSWERED_AS.match(text, line_start, said.start())
            if (
                match
                and said.start() - match.end() <= 60
                and lexicon.fold(_WORD.match(text, match.start("business")).group()) not in _TITLES
                and (
                    self._a_business_s_words(_WORD.findall(match.group("business")))
                    or self._a_firm(text, match.span("business"))
                )
            ):
                found.append(match.span("business"))
        return found

    def _a_business_s_words(self, words: list[str]) -> bool:
        """A word of ``words`` is a business's ("Greenleaf Tax Services", "Liberty Bail Bonds"), or a
        utility's after a first word that is no first name ("StorQuest Self Storage"; not "Samantha
        Storage")."""
        folded = [lexicon.fold(word) for word in words]
        return any(word in STREET_OR_BUSINESS or word in BUSINESS_KINDS for word in folded) or (
            len(folded) > 1
            and folded[0] not in self.names.lexicon.given
            and any(word in UTILITY_WORDS for word in folded[1:])
        )

    def _in_a_place_s_name(self, text: str, entity: Entity) -> bool:
        """The name found at ``entity`` is a town's, with the word that begins the town's name
        before it or in it, said where a place goes: "in Fort Lauderdale", "from port charlotte",
        "to Lake Charles"; not "Jordan" alone, a person named so ("My name is Glen Burnie"), nor a
        person's possessive ("in Lake Charles's name" is no town)."""
        if text.startswith(("'s", "’s"), entity.end):
            return False
        inside = _PLACE_PREFIX.match(text, entity.start, entity.end)
        before = _PLACE_PREFIX_BEFORE.search(text, max(0, entity.start - 8), entity.start)
        if not inside and not before:
            return False
        prefix_start = entity.start if inside else before.start()
        if not _WHERE_BEFORE.search(text, max(0, prefix_start - 16), prefix_start):
            return False  # said where a place is: not "My name is Lake Jackson", "Marie St. Paul"
        words = tuple(lexicon.fold(word) for word in _WORD.findall(text, entity.start, entity.end))
        places = self.names.places.names
        if inside and len(words) > 1 and words in places:
            return True
        return bool(before) and (lexicon.fold(before.group(1)), *words) in places

    def _medicines(self, text: str, entity: Entity) -> bool:
        """Every word found as a name is a medicine's: "I found Atorvastatin, 20 milligrams"."""
        words = _WORD.findall(text, entity.start, entity.end)
        return bool(words) and all(medicine(word, self.names.lexicon) for word in words)

    def _medicine_answered(self, text: str, entity: Entity) -> bool:
        """The name found at ``entity`` is one word said in answer to a question about medicines
        or allergies ("Do you have any allergies to medications?" / "Just Bactrim.") that asks for
        no person, and is no word a name list holds, nor said after a title ("Dr. Okafor")."""
        line_start = text.rfind("\n", 0, entity.start) + 1
        question = question_in(line_at(text, line_start - 1)) if line_start else ""
        if not _MEDICINE_ASKED.search(question) or asks_for_a_person(question) or _PRESCRIBER.search(question):
            return False  # "What name is the refill under?", "Who prescribed it?"
        words = _WORD.findall(text, entity.start, entity.end)
        if len(words) != 1 or self.names.lexicon.is_name(words[0]):
            return False  # a name is a person's whatever the talk: "the guest of honor, Bill, is allergic to…"
        if SENTENCE_END.search(text, line_start, entity.start):
            return False  # the answer's first sentence only: "Metformin. And my wife, Oyelaran, takes insulin."
        before = _WORD.findall(text, max(line_start, entity.start - 16), entity.start)
        return not (before and lexicon.fold(before[-1]) in _TITLES)

    def _town_after_an_address(self, text: str, entity: Entity, addresses: list[Entity]) -> bool:
        """The name found at ``entity`` is the town of a street address it follows, as an address
        is written: "…, Apartment 2B, Hamden.", "…, Unit 204B, Kaneohe, Hawaii 96744", "…, in
        Covington, KY 41011": a known town or words no list has as names, with a state or a ZIP
        code after them, or a known town that is no first name and ends its sentence."""
        if not addresses or not any(
            address.end <= entity.start and _BEFORE_A_TOWN.fullmatch(text, address.end, entity.start)
            for address in addresses
        ):
            return False
        words = _WORD.findall(text, entity.start, entity.end)
        if not words or len(words) > 3 or not all(word[0].isupper() for word in words):
            return False
        folded = tuple(map(lexicon.fold, words))
        known = self.names.lexicon
        if _STATE_OR_ZIP_AFTER.match(text, entity.end):
            # A known town, or words no list has as names: "Kaneohe, Hawaii", not "Maria Lopez, Texas".
            return folded in self.names.places.names or not any(known.is_name(word) for word in folded)
        # A town the lists know, that is no first name ("…, Madison, she's my daughter"), ending its sentence.
        return (
            folded in self.names.places.names
            and not any(word in known.given for word in folded)
            and _TOWN_ENDS.match(text, entity.end) is not None
        )

    def names_in(self, text: str) -> list[str]:
        """The person names said in a text, as said: to redact them wherever else the call mentions them."""
        return sorted({text[item.start : item.end] for item in self.names.find(text)})

    def _rules(self, text: str) -> list[Entity]:
        return [
            Entity(result.entity_type, result.start, result.end, result.score)
            for recognizer in self.rules
            for result in recognizer.analyze(text, recognizer.supported_entities)
        ]

    def _tagged(self, text: str, found: list[Entity], said: list[Word], first: int) -> list[Entity]:
        """The sequence tagger's findings, but for a name that is a word of an
        address found in the same text ("2714 Frank Street. Frank like the
        bank"), or that the name finder reads as something else's
        (``NameFinder.no_person_at``). ``said`` are the text's words as the
        name finder read them. An address's words are its street's, the shortest found from
        where it starts: not the town after it ("12 Oak Street, Charlotte." / "Thank you,
        Charlotte.")."""
        streets: dict[int, int] = {}
        for entity in found:
            if entity.type == "ADDRESS":
                streets[entity.start] = min(entity.end, streets.get(entity.start, entity.end))
        in_addresses = {
            lexicon.fold(word) for start, end in streets.items() for word in _WORD.findall(text, start, end)
        }
        kept = []
        for kind, start, end in self._tagger_findings(text, first):
            if _AN_AMOUNT.fullmatch(_number_around(text, start, end)):
                continue  # a piece of an amount: "316" of "$2,316.40"
            words = {lexicon.fold(word) for word in _WORD.findall(text, start, end)}
            # A name cut from the word it begins is read whole: "Tri" of "Tri-County Power".
            whole = _REST_OF_WORD.match(text, end).end()
            if kind == PERSON and (
                words <= in_addresses
                or self._no_name_in(text, start, end)
                or self.names.no_person_at(text, said, start, whole)
            ):
                continue
            kept.append(Entity(kind, start, end, TAGGER_SCORE))
        return kept

    def _tagger_findings(self, text: str, first: int = 0) -> list[tuple[str, int, int]]:
        """The tagger's findings in each turn (line) of ``text`` from ``first`` on (the context
        before it is only read), as it reads the turn after its context (``turn_window``): the
        model reads a whole sequence at once, and a turn's words after it, or a call's words long
        before, would change what it makes of the turn."""
        line_starts = [0] + [match.end() for match in _LINE_START.finditer(text)]
        line_starts = [line_start for line_start in line_starts if line_start >= first]
        windows = [(*turn_window(text, line_start), line_start) for line_start in line_starts]
        findings = []
        for line_start, found in zip(line_starts, self.tagger.find_in(text, windows), strict=True):
            for kind, found_start, found_end in found:
                if found_end <= line_start:
                    continue
                if found_start < line_start and not self._goes_on(kind, text, line_start, found_end):
                    continue
                findings.append((kind, max(found_start, line_start), found_end))
        return findings

    def _goes_on(self, kind: str, text: str, start: int, end: int) -> bool:
        """A value the tagger runs on from the turn before goes on in the turn's words from
        ``start`` to ``end``. A name, with a word no dictionary holds ("Hi this is Rudo" /
        "makoni calling…") or a frequent surname said alone ("Yeah, it's Tendai" / "Price."), not
        with a word or an interjection ("yeah my name is mark" / "Perfect.", "mhmm", "May I speak
        to billing?"); a number, with numbers ("uh three oh" / "eight eight", not "three one oh
        eight" / "I'll rebill that plan."); an e-mail address, with anything ("j dot smith" / "at
        gmail dot com")."""
        if kind == PERSON:
            word = _TOKEN.match(text, start)
            if word is None:
                return False
            known, folded = self.names.lexicon, lexicon.fold(word.group())
            turn_end = text.find("\n", start)
            alone = _SURNAME_ALONE.fullmatch(text, word.end(), len(text) if turn_end == -1 else turn_end) is not None
            return folded not in _INTERJECTIONS and (
                not known.is_word(folded) or (folded in known.frequent_family and alone)
            )
        return kind == "EMAIL" or tagger.says_a_number(text[start:end])

    def _no_name_in(self, text: str, start: int, end: int) -> bool:
        """No word the tagger read as a person's could be one: each is an ordinary word of
        three letters or more (never a name, like "you", or one no name list holds) and no
        surname's particle, written as an ordinary word is: in lowercase where the text has
        capitals ("Dr. Whitfield can see her"), or capitalised where a sentence starts ("Thank
        you"). A capital inside a sentence ("I had Hadid"), lowercase speech ("not hadid") and
        digits ("GB13CLHA5152…": redacted as whatever they are) leave the tagger's reading
        alone: many names are frequent words too."""
        known, formatted = self.names.lexicon, not text[slice(*turn_window(text, start))].islower()
        for token in _TOKEN.finditer(text, start, end):
            word = token.group()
            as_a_word = (word.islower() and formatted) or (word[0].isupper() and _starts_sentence(text, token.start()))
            folded = lexicon.fold(word)
            ordinary = folded in NOT_NAMES or (known.is_word(word) and not known.is_name(word))
            if not (as_a_word and len(word) >= 3 and folded not in PARTICLES and ordinary):
                return False
        return True

    def _as_names(
        self, found: list[Entity], text: str, businesses: list[tuple[int, int]], turns: list[int]
    ) -> list[Entity]:
        """``found`` with each person's name cut where its line ends (a value may run on into
        the next turn after a pause: "it's 3318…" / "…Saddleback Crossing"; a name does only
        where the next line goes on with a name, ``_goes_on_with_a_name``: "My name is Kwame" /
        "Asante.", not "a s a n t e" / "Thank you." or "…Jataí" / "Brazil"), and none that is
        the business's own in the greeting the call is answered with (``_names_the_business``:
        "Thank you for calling the Hilton Garden Inn", "Welcome to Equifax"; not "Thank you for
        calling Priya. Goodbye.", "…Metro Gas, Tyler speaking")."""
        kept = []
        for entity in found:
            if entity.type != PERSON:
                kept.append(entity)
                continue
            before = ""
            for line in _LINE.finditer(text, entity.start, entity.end):
                # A word no list holds goes on with a name said as the next turn, or after a first
                # name: not a written address's town after its street.
                unlisted = _a_turn_begins(turns, entity.start, line.start()) or self._ends_in_a_first_name(before)
                if before and not self._goes_on_with_a_name(line.group(), line_at(text, line.start()), unlisted):
                    break
                before = line.group()
                start, end = line.span()
                inside = [span for span in businesses if span[0] <= start and end <= span[1]]
                if not any(self._names_the_business(text, start, end, span) for span in inside):
                    kept.append(Entity(PERSON, start, end, entity.score))
        return kept

    def _names_the_business(self, text: str, start: int, end: int, business: tuple[int, int]) -> bool:
        """The name at ``start:end``, inside the ``business`` a call is answered for, is the
        business's own: a business word or an ordinary word in capitals follows it there
        ("Hilton Garden Inn", "Maple & Finch Home"), it is a firm's names (``_a_firm``), it is a
        place a business word goes before ("the Hilton Garden Inn Savannah"), it ends in an
        ordinary word ("Redline Car Rental"), or none of its words is only a name ("Equifax");
        never a doctor's practice ("Doctor Patel's office"), nor the person who answers or is
        thanked ("Metro Gas, Tyler speaking", "Thank you for calling Chidi. Goodbye.")."""
        known = self.names.lexicon
        words = _WORD.findall(text, start, end)
        before = _WORD.findall(text, business[0], start)
        following = _WORD.findall(text, end, business[1])
        if following and known.is_name(following[0]) and text[end : end + 1] == " ":
            following = following[1:]  # the name's own surname, cut off: "Tom Little"
        # Where the name ends, or the greeting if only its surname comes between.
        name_end = end if following else business[1]
        if _DOCTOR.search(text, *business) or _A_PERSON_AFTER.match(text, name_end):
            return False
        # "thank you for calling Chidi", "…Priya and Dev": thanked as the call ends, not greeted.
        thanked = _TURN_ENDS.match(text, business[1]) and _THANKS_FOR_CALLING.search(
            text, max(0, business[0] - 24), business[0]
        )
        if thanked and not following:
            return False
        return (
            (not thanked and self._a_firm(text, business))
            or any(
                word[0].isupper()
                and (lexicon.fold(word) in STREET_OR_BUSINESS | UTILITY_WORDS or known.sense(word) in ("WORD", "CNAME"))
                # A first name joined on is another person's: "…shopping with Jennifer and Mark".
                and not (index and following[index - 1].lower() == "and" and lexicon.fold(word) in known.census_given)
                for index, word in enumerate(following)
            )
            or (
                bool(before)
                and lexicon.fold(before[-1]) in STREET_OR_BUSINESS
                and tuple(lexicon.fold(word) for word in words) in self.names.places.names
            )
            or known.sense(words[-1]) == "WORD"
            or not any(known.is_unambiguous_name(word) for word in words)
            # Opening with an everyday word that is no first name nor a title: "Fresh Crate"; not "Grace
            # Hill", "Mrs Alvarez".
            or self._opens_with_an_everyday_word([*before, *words, *following])
        )

    def _opens_with_an_everyday_word(self, words: list[str]) -> bool:
        known = self.names.lexicon
        first = lexicon.fold(words[0]) if words else ""
        return (
            len(words) > 1
            and words[0][0].isupper()
            and known.sense(words[0]) in ("WORD", "CNAME")
            and first not in known.given
            and first not in _TITLES
        )

    def _a_firm(self, text: str, business: tuple[int, int]) -> bool:
        """The ``business`` greeted is names joined as a firm's, the last no common first name:
        "Harlow and Finch", "Hollis & Brown"; not "Jennifer and Mark", two people thanked, nor
        where a name of it is said again elsewhere, as a person's may be ("…, this is Jasmine
        Harlow"): kept in the firm, it would tell the person's."""
        outside = text[: business[0]] + " " + text[business[1] :]
        line_end = text.find("\n", business[1])
        if _BOTH_OF_YOU.search(text, business[1], len(text) if line_end == -1 else line_end):
            return False  # "Thanks for calling Lee and Chen! How are you both doing?"
        return any(
            lexicon.fold(match.group("second")) not in self.names.lexicon.census_given
            and not _PEOPLE_AFTER.match(text, match.end())
            and not any(
                re.search(rf"\b{re.escape(word)}\b", outside)
                for word in _WORD.findall(match.group())
                if word[0].isupper()
            )
            for match in _FIRM.finditer(text, *business)
        )

    def _goes_on_with_a_name(self, piece: str, line: str, unlisted: bool) -> bool:
        """The next line of a name (its ``piece`` of the whole ``line``) holds one: a word that is
        only a name and no place that is no first name ("Asante", "Jackson"; not "Brazil"), a
        line of nothing but names in capitals that are no acknowledgement ("Power."; not
        "Perfect."), or, where ``unlisted`` words may be, a word no list holds ("Raghunathan.",
        "chiweshe"); not ordinary words ("Thank you.", "Will do.")."""
        known, places = self.names.lexicon, self.names.places.names
        line_words = _WORD.findall(line)
        folded_line = tuple(lexicon.fold(word) for word in line_words)
        if line.rstrip().endswith("?") or (folded_line and _BACKCHANNEL.fullmatch(folded_line[0])):
            return False  # "Pardon?", "mhmm, and your last name?"
        if (
            all(word[0].isupper() and known.is_name(word) for word in line_words)
            and not set(folded_line) & ACKNOWLEDGEMENTS
            and not (folded_line in places and folded_line[0] not in known.given)
        ):
            return True  # "Power.", "Hill.": names that are words too, and nothing else
        for word in _WORD.findall(piece):
            sense, folded = known.sense(word), lexicon.fold(word)
            if sense == "NAME" and ((folded,) not in places or folded in known.given):
                return True
            if sense == "UNK" and unlisted:
                return True
        return False

    def _ends_in_a_first_name(self, line: str) -> bool:
        """``line`` ends in a listed first name: "Kwame" of "The name is Kwame"."""
        words = _WORD.findall(line)
        return bool(words) and lexicon.fold(words[-1]) in self.names.lexicon.given

    def redact(self, text: str, *, known_names: tuple[str, ...] = (), context: str = "") -> Redaction:
        return self.redact_turns((text,), known_names=known_names, context=context)[0]

    def redact_turns(
        self, turns: Sequence[str], *, known_names: tuple[str, ...] = (), context: str = ""
    ) -> list[Redaction]:
        """Each of a conversation's ``turns`` redacted, read in one pass (``analyze_turns``)."""
        found = self.analyze_turns(turns, known_names=tuple(known_names), context=context)
        return [
            Redaction(with_placeholders(turn, [(item.type, item.start, item.end) for item in said]), tuple(said))
            for turn, said in zip(turns, found, strict=True)
        ]


def with_placeholders(text: str, spans: Iterable[tuple[str, int, int]]) -> str:
    """``text`` with each ``(type, start, end)`` span replaced by "[TYPE]"; a
    span that overlaps one before it is skipped."""
    pieces, position = [], 0
    for kind, start, end in sorted(spans, key=lambda span: span[1]):
        if start >= position:
            pieces += [text[position:start], f"[{kind}]"]
            position = end
    return "".join([*pieces, text[position:]])


_WORD = re.compile(r"\w+")
_LINE_START = re.compile(r"(?<=\n)")
# Between a street address and its town: "…, Marietta", "…, in Chamblee".
_BEFORE_A_TOWN = re.compile(r"[^\S\n]*,[^\S\n]*(?:in[^\S\n]+)?|[^\S\n]+in[^\S\n]+")
_STATE_OR_ZIP_AFTER = re.compile(
    rf",?[^\S\n]+(?:(?:{US_STATE_NAMES})\b|(?-i:{US_STATES})\b|\d{{5}}(?:-\d{{4}})?(?!\w))", re.IGNORECASE
)
# A question for a thing a name may be the name of (a place among them): "What's the make of the
# heater?", "Which bank is it with?", "Please say the name of the hospital.", "What city are you in?"
# Not a street, a building or a complex: a person's is part of an address ("And the street?" /
# "Beaumont, the court, not the avenue.").
_THING_ASKED = re.compile(rf"\b(?:{'|'.join(sorted(set(THINGS) - ADDRESS_THINGS))})s?\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
# A question for a place by "where": "Where are you headed?"
_WHERE_ASKED = re.compile(r"\bwhere\b", re.IGNORECASE)
# A question for a secret, a security question's answer: "In what city were your parents married?"
_SECRET_ASKED = re.compile(
    r"\b(?:born|birth|married|met|meet|grew|grow|raised|first|favou?rite|childhood|honeymoon|security|secret|"
    r"verify|verification|memorable|passcode|password|parents?|mother|father|mom|dad|grand\w*|spouse|wife|"
    r"husband|maiden|oldest|sibling|dream|hero|idol|nickname|attend|attended)\b|"
    r"\bgo to (?:college|school|university)\b",
    re.IGNORECASE,
)
_ANSWER = re.compile(r"\banswers?\b", re.IGNORECASE)
_SAINT = frozenset("saint st san santa".split())
# The first words of an answer, before what it names: "It's a…", "Just…", "Yeah, at the…", "Saint…".
_ANSWER_OPENS = (
    FILLER_WORDS
    | frozenset(
        "it it's its s is was that that's thats just the a an yes yeah yep no nope oh ok okay well so sure at from "
        "in to with by".split()
    )
    | _SAINT
)
# An answer that goes on after what it names, about it: "Augusta. Georgia, not Maine.", "It's
# Chase, the one on Grant Street.", "its a rheem like fifteen years old", "saint francis the one downtown".
_ANSWER_GOES_ON = re.compile(
    r"[^\S\n]*(?:[,.;!?]|[^\S\n](?:like|the one|i think|i guess|probably|maybe|for sure|or so|or something)\b)",
    re.IGNORECASE,
)
_TOWN_ENDS = re.compile(r"[^\S\n]*(?:[.!]|$|\n)")
# A line's text, without the blanks around it.
_LINE = re.compile(r"\S(?:[^\n]*\S)?")
# Between two pieces of one value: a hesitation ("october seventeenth uh sixty six").
_HESITATION = re.compile(rf"[\s,]*\b(?:{'|'.join(sorted(FILLER_WORDS))})\b[\s,]*", re.IGNORECASE)


# Values whose characters say which they are: said again, they are the same value. An address
# only where it holds letters and digits, four or more ("Suite 301", "221 B"): a house number
# alone is any number ("100 Main Street" / "one hundred percent").
_ECHOED = frozenset(
    "SSN CREDIT_CARD CVV BANK_ACCOUNT ROUTING_NUMBER PHONE ZIP_CODE ACCOUNT_ID PIN DRIVER_LICENSE PASSPORT "
    "ADDRESS".split()
)
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def _echoes(text: str, found: list[Entity], starts: list[int]) -> list[Entity]:
    """A value found in the turns before one (each turn begins at one of ``starts``, after what
    was said before it) and said again in it, in words or digits, its characters in the same
    order: "Um, it's 8 0 3 1." / "8031, that matches."; "seventy three oh five" / "7305 is set";
    "k seven m two nine x" / "I have K7M29X"."""
    values = [entity for entity in found if entity.type in _ECHOED]
    said: dict[str, str] = {}
    echoes = []
    for start, end in zip(starts, [start - 1 for start in starts[1:]] + [len(text)], strict=True):
        while values and values[0].end <= start:
            said.update(_characters_said(text, values.pop(0)))
        if not said:
            continue
        normalized = normalize(text[start:end])
        for characters, entity_type in said.items():
            pattern = r"[\s,.-]*".join(re.escape(character) for character in characters)
            for match in re.finditer(rf"(?<![^\W_]){pattern}(?![^\W_]|[.,]\d)", normalized.text, re.IGNORECASE):
                if not QUANTITY_AFTER.match(normalized.text, match.end()):
                    echo_start, echo_end = normalized.to_original(*match.span())
                    echoes.append(Entity(entity_type, echo_start + start, echo_end + start, ECHO_SCORE))
    return echoes


def _characters_said(text: str, entity: Entity) -> dict[str, str]:
    """The characters of the value at ``entity`` that say which it is, each with its type."""
    written = normalize(text[entity.start : entity.end]).text
    if entity.type == "ADDRESS":
        # Four characters or more: "221B", "Suite 301"; not "2A", a form's, a fuse's or a seat's too.
        characters = _NOT_ALPHANUMERIC.sub("", written).upper()
        if any(c.isdigit() for c in characters) and not characters.isdigit() and len(characters) >= 4:
            return {characters: entity.type}
        return {}
    # The value whole, and each piece of it said apart: "k seven m two uh k seven m two nine x".
    said = {}
    for piece in {written, *written.split()}:
        characters = _NOT_ALPHANUMERIC.sub("", piece).upper()
        if sum(character.isdigit() for character in characters) >= 3:
            said[characters] = entity.type
    return said


def _within(found: list[Entity], text: str, start: int, end: int) -> list[Entity]:
    """The entities of ``found`` in the turn at ``text[start:end]``, in its offsets. One begun
    in a turn before starts at the turn; one run on into the next ends at its last letter or
    digit in this one ("It's May…" / "…the 5th, 1997." leaves "It's [DATE_OF_BIRTH]…")."""
    last = end
    while last > start and not text[last - 1].isalnum():
        last -= 1
    within = []
    for entity in found:
        first, stop = max(entity.start, start), entity.end if entity.end <= end else last
        if first < stop:
            within.append(Entity(entity.type, first - start, stop - start, entity.score))
    return within


def _a_turn_begins(turns: list[int], start: int, position: int) -> bool:
    """One of the turns beginning at ``turns`` begins after ``start`` and at ``position`` or before."""
    index = bisect_right(turns, start)
    return index < len(turns) and turns[index] <= position


# The business a call is answered for, in capitals: "Thank you for calling the Hilton Garden Inn
# Savannah, this is Tyler", "Welcome to Equifax." Not "you've reached": a voicemail greets with a
# person.
_BUSINESS = r"(?-i:[A-Z])[\w'’&-]*(?:[^\S\n]+(?:(?-i:[A-Z])[\w'’&-]*|&|and|of|the|at|de))*"
_GREETED = re.compile(
    rf"\b(?:thank you|thanks) for calling (?:the )?(?P<calling>{_BUSINESS})|"
    rf"\bwelcome to (?:the )?(?P<welcome>{_BUSINESS})",
    re.IGNORECASE,
)
# Words that begin a town's name and are none themselves: "Fort Myers", "San Jose", "Lake Charles".
_PLACE_PREFIXES = "fort|ft|port|mount|mt|lake|san|santa|los|las|st|saint|ste|glen|cape|point"
_PLACE_PREFIX = re.compile(rf"(?:{_PLACE_PREFIXES})\b", re.IGNORECASE)
_WHERE_BEFORE = re.compile(rf"\b(?:{'|'.join(sorted(PLACE_BEFORE))})[^\S\n]+$", re.IGNORECASE)
_PLACE_PREFIX_BEFORE = re.compile(rf"\b({_PLACE_PREFIXES})\.?[^\S\n]+$", re.IGNORECASE)
# A turn that answers the phone with the business's name and the speaker's: "Greenleaf Tax
# Services, this is Howard.", "Kessler Auto Care, Bobby speaking.", "Liberty Bail Bonds, we're open
# 24/7. This is Ray." (a word of it a business's).
_ANSWERED_AS = re.compile(
    r"(?:(?:good (?:morning|afternoon|evening)|hello|hi|buongiorno|bonjour|hola|aloha)[,!]?[^\S\n]+)?"
    rf"(?P<business>{_BUSINESS})",
    re.IGNORECASE,
)
_SPEAKER_NAMED = re.compile(r"\b(?:this is|speaking|my name is|how (?:can|may) (?:i|we) help)\b", re.IGNORECASE)
# A business thanked for a customer's custom: only a firm's joined names count ("Thanks for
# shopping with Hollis and Brown"), not people ("…with Rosa and Mark").
_THANKED_FOR_CUSTOM = re.compile(
    rf"\b(?:thank you|thanks) for (?:shopping|banking|flying|staying|ordering|choosing|dining) "
    rf"(?:with|at) (?:the )?(?P<firm>{_BUSINESS})",
    re.IGNORECASE,
)
# Two people spoken to: "How are you both doing?", "you two have a great day".
_BOTH_OF_YOU = re.compile(r"\b(?:both|you two|the two of you|each of you|y'all|you guys)\b", re.IGNORECASE)
# After joined names, what makes them people's: "the Delgado and Whitfield family".
_PEOPLE_AFTER = re.compile(r"[^\S\n]+(?:family|household|residence|home|kids|children|wedding)\b", re.IGNORECASE)
# Names joined as a firm's: "Harlow and Finch", "Hollis & Brown".
_FIRM = re.compile(r"(?-i:[A-Z])[\w'’-]*[^\S\n]+(?:and|&)[^\S\n]+(?P<second>(?-i:[A-Z])[\w'’-]*)", re.IGNORECASE)
_DOCTOR = re.compile(r"\b(?:dr|doctor)\b|['’]s[^\S\n]+(?:office|practice|clinic|desk|line|team)\b", re.IGNORECASE)
# A listener's sound, not a word: "mhmm", "mkay", "uh huh".
_BACKCHANNEL = re.compile(r"m+h*m+|mhm|m+k+a*y|ok(?:ay|ey|ie)?|u+h+|u+m+|o+h+|a+h+|huh|hmm+|yup|yep|right|check|sure")
_TURN_ENDS = re.compile(r"[.!]?[^\S\n]*(?:\n|$)")
_THANKS_FOR_CALLING = re.compile(r"for calling (?:the )?$", re.IGNORECASE)
# After a name, what makes it the person who answers or the one thanked: "…, Tyler speaking",
# "Thank you for calling Chidi. Goodbye.", "…Priya I appreciate it".
_A_PERSON_AFTER = re.compile(
    r"[,.!]?\s+(?:speaking|here|at your service|good ?bye|bye|take care|have a|god bless|ok(?:ay)? bye|"
    r"i appreciate|talk soon|thanks|thank you|please leave|leave a message)\b",
    re.IGNORECASE,
)


# Animals a call names a pet by: "my dog", "a cat", "two puppies". Breeds that are also people's
# trades ("a boxer", "a pointer", "a shepherd") name an animal only with "mix", "dog" or "puppy" after.
_PETS = (
    "dog|cat|puppy|pup|kitten|kitty|pet|horse|pony|bird|parrot|parakeet|budgie|rabbit|bunny|hamster|gerbil|ferret|"
    "guinea pig|lizard|gecko|snake|turtle|tortoise|goldfish|beagle|poodle|terrier|husky|bulldog|chihuahua|"
    "dachshund|collie|pug|spaniel|corgi|doodle|labradoodle|goldendoodle|labrador|rottweiler|schnauzer|yorkie|"
    # Not the farm's animals people are called in anger ("Brian is a pig").
    "greyhound|mastiff|golden retriever|bearded dragon|iguana|chinchilla|cockatiel|canary|hedgehog|tarantula|"
    "alpaca|llama|mare|stallion|foal|gelding|filly|"
    "siamese|calico|maine coon|ragdoll|sphynx|kitty cat|great dane|pitbull|pit bull|doberman|shih tzu|maltese|"
    "pomeranian|weimaraner|sheepdog|heeler|bichon|cavapoo|cockapoo|havanese|basset|bloodhound|tabby"
)
# Breeds that hold a person's name, an animal's only after an article: "a jack russell mix", "my
# Saint Bernard"; not "my neighbor Jack Russell".
_NAMED_BREEDS = (
    "jack russell|jack russell terrier|saint bernard|st bernard|king charles|cavalier king charles|"
    "bernese mountain dog|german shepherd|australian shepherd|boston terrier|yorkshire terrier|russian blue|"
    "scottish fold|british shorthair|norwegian forest cat"
)
_NAMED_BREED = re.compile(rf"(?:{_NAMED_BREEDS})(?:e?s)?", re.IGNORECASE)
_TRADE_BREEDS = "boxer|pointer|setter|shepherd|lab|retriever|hound|mutt"
_AN_ANIMAL_S_ARTICLE = re.compile(r"\b(?:a|an|my|our|the|his|her|their)[^\S\n]+\Z", re.IGNORECASE)
_ANIMAL = re.compile(
    rf"\b(?:{_PETS}|{_NAMED_BREEDS})(?:e?s)?\b|\b(?:{_TRADE_BREEDS})(?:[^\S\n]+(?:mix|dog|puppy))?\b", re.IGNORECASE
)
_A_PET = rf"(?:{_PETS}|{_NAMED_BREEDS}|(?:{_TRADE_BREEDS})[^\S\n]+(?:mix|dog|puppy))"
_NAME_WORD = r"(?P<name>[^\W\d_][\w'’-]*)(?:,?[^\S\n]+(?:and|&)[^\S\n]+(?P<second>[^\W\d_][\w'’-]*))?"
_CLOSED = r"(?=[^\S\n]*(?:[,.!?;]|$))"
# A pet named as such: "the cat's name is Mochi", "my dogs name is rosie", "a dog named Pickles", "my
# dog, Duke, …", "two dogs, Rosie and Duke.", "my dog Rosie." (a name closed by a comma or the
# sentence's end: "the dog Maria adopted" is Maria's, "Max is the dog, Jenny is my daughter" Jenny's).
_PET_NAMED = (
    re.compile(
        rf"\b{_A_PET}(?:e?s)?(?:(?:['’]s)?[^\S\n]+names?(?:[^\S\n]+is|['’]?s)|[^\S\n]+(?:is[^\S\n]+)?(?:named|called))"
        rf"[^\S\n]+(?:(?:um|uh),?[^\S\n]+)?{_NAME_WORD}",
        re.IGNORECASE,
    ),
    # In raw speech, the pronoun that takes it up closes it: "my dog rocco he was in for…".
    re.compile(
        rf"\b(?:a|my|our|the|his|her|their|two|three)[^\S\n]+{_A_PET}(?:e?s)?,?[^\S\n]+{_NAME_WORD}"
        rf"(?:{_CLOSED}|(?=[^\S\n]+(?:he|she|it)(?:['’]?s)?\b))",
        re.IGNORECASE | re.MULTILINE,
    ),
    # "Rocco. He's a boxer mix", "Max is the dog.", "bishop hes a golden retriever", "It's Pepper.
    # She's a beagle mix, about six", "Rose, the collie."
    re.compile(
        rf"{_NAME_WORD}(?:[.,]?[^\S\n]+(?:he|she|it)['’]?s|[^\S\n]+(?:is|was)|,)[^\S\n]+(?:just[^\S\n]+)?"
        rf"(?:a|an|my|our|the)[^\S\n]+(?:[\w-]+[^\S\n]+){{0,2}}?{_A_PET}\b(?:[^\S\n]+(?:mix|puppy|dog|cat))?{_CLOSED}",
        re.IGNORECASE | re.MULTILINE,
    ),
)
# A question for an animal's name, which the next turn answers: "Say your pet's name.", "What's your
# cat's name?", "And the name of your dog?"; not a person's beside it ("the name of the dog's owner").
_PET_NAME_ASKED = re.compile(
    rf"\b{_A_PET}(?:e?s)?(?:['’]s?)?[^\S\n]+names?\b|\bnames?[^\S\n]+of[^\S\n]+(?:your|the|his|her|their)[^\S\n]+"
    rf"(?:[\w-]+[^\S\n]+)?{_A_PET}(?:e?s)?\b(?!['’]s|[^\S\n]+(?:{PEOPLE})\b)",
    re.IGNORECASE,
)
# A pet's name asked to tell who is calling: a secret ("To confirm it's you, what's your pet's name?").
_PET_NAME_AS_A_SECRET = re.compile(
    # An automated line's "Say your pet's name." is a check too: "To access the account, please say…".
    r"\b(?:confirm|verify|verification|authenticate|authentication|identity|security|secret|challenge|account|"
    r"on file|first|favou?rite|childhood|access|continue|before i|make changes|say)\b",
    re.IGNORECASE,
)
# A pet asked about as the one the call is for, which no check asks: "Say the name of the pet you're
# calling about.", "the pet you're bringing in".
_PET_SEEN = re.compile(
    r"\b(?:calling (?:about|for)|bringing in|coming in|checking on|appointment|visit|being seen|to be seen)\b",
    re.IGNORECASE,
)
# The answer: "Marley.", "It's Pepper.", "her name's cleopatra we call her cleo".
_PET_NAME_GIVEN = re.compile(
    rf"^[^\S\n]*(?:(?:it's|its|it is|that's|thats|oh|um|uh|yeah|yes|sure|well|so|her name's|his name's|her names|"
    rf"his names|her name is|his name is|she's|shes|he's|hes)[,.]?[^\S\n]+)*{_NAME_WORD}"
    r"(?=[^\S\n]*(?:[,.!?;]|$)|[^\S\n]+(?:we|and|she|he|but|like)\b)",
    re.IGNORECASE | re.MULTILINE,
)
# The word before a name is a name too: the one after it is a surname, a family's.
_CAPITALISED_BEFORE = re.compile(r"(?-i:[A-Z])[\w'’-]*[^\S\n]+$")
_PET_CALLED = re.compile(rf"\bwe[^\S\n]+call[^\S\n]+(?:her|him|it|them)[^\S\n]+{_NAME_WORD}", re.IGNORECASE)
# The models of the makes that are also names (``MAKES``), each under its make; any make's model
# may also be a code ("F-150", "CR-V", "911").
MODELS = {
    "ford": "escape explorer ranger pinto escort focus fusion mustang bronco edge expedition taurus fiesta maverick "
    "transit windstar thunderbird",
    "lincoln": "navigator aviator continental corsair nautilus mkz mkx",
    "chrysler": "pacifica voyager sebring",
    "dodge": "caravan charger challenger durango journey dart neon ram viper",
    "buick": "enclave encore lacrosse regal envision lesabre",
    "chevrolet": "silverado malibu tahoe suburban equinox traverse impala camaro corvette colorado trailblazer "
    "blazer cruze sonic spark bolt",
    "cadillac": "escalade deville",
    "honda": "civic accord pilot odyssey passport ridgeline fit",
    "toyota": "camry corolla prius highlander tacoma tundra sienna sequoia",
    "nissan": "altima sentra rogue pathfinder maxima frontier murano leaf versa titan",
    "subaru": "outback forester impreza legacy crosstrek ascent",
    "mazda": "miata",
    "hyundai": "elantra sonata tucson kona palisade",
    "kia": "optima sorento soul sportage telluride forte",
    "jeep": "wrangler cherokee compass renegade gladiator liberty patriot",
    "tesla": "model cybertruck",
    "porsche": "cayenne macan boxster panamera",
}
MODELS["chevy"] = MODELS["chevrolet"]
_MODEL_CODE = r"[a-z]{0,3}-?\d+[a-z\d]*"
# A make then one of its models: "Ford Ranger", "ford escort", "a Dodge Grand Caravan", "Ford F-150".
_MAKE_AND_MODEL = re.compile(
    "|".join(
        rf"\b{make}[^\S\n]+(?:grand[^\S\n]+|town[^\S\n]+)?(?:(?:{'|'.join(MODELS.get(make, '').split()) or '(?!)'})\b|"
        rf"{_MODEL_CODE}\b)"
        for make in sorted(MAKES)
    ),
    re.IGNORECASE,
)
# What a car is said after: an article, a possessive, a year, a colour, a number said in words, or a
# word of owning or driving ("a Ford Escape", "my 2018 Ford Escape", "the silver Kia Sorento").
_BEFORE_A_CAR = re.compile(
    rf"\b(?:a|an|the|my|our|his|her|their|your|this|that|these|those|its|old|new|used|same|other|another|"
    rf"{'|'.join(sorted(COLOURS))}|drive|drives|driving|drove|own|owns|bought|rented|rent|leased|lease|"
    rf"financed|traded|totaled|towed|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thousand|\d+)[^\S\n,]*$",
    re.IGNORECASE,
)
# The words an answer that is a car may open with; not "It's Kia Forte", a person saying who.
_CAR_ANSWER_OPENS = FILLER_WORDS | frozenset("yeah yes yep no nope just oh ok okay well so sure".split())
# After a name, what makes it a person: "Kia Forte here", "…'s claim", "Ford Pinto said".
_A_PERSON_AFTER_A_NAME = re.compile(
    r"(?:['’]s\b|,?[^\S\n]+(?:here|speaking|calling|said|says|told|called|signed|will|wants|asked|jr|sr)\b)",
    re.IGNORECASE,
)


def _a_make_and_model(text: str, entity: Entity) -> bool:
    """The name found at ``entity`` is a make with one of its models, said as a car is: after an
    article, a possessive, a year or a colour ("a Chrysler Pacifica", "my 2018 Ford Escape"), or
    as the whole of an answer ("Dodge Grand Caravan."). Not a person's ("Ford Murray", "I spoke
    with Kia Forte", "Kia Forte here"), nor where a person or a secret was just asked for ("Who's
    the account holder?" / "Ford Maverick.", "What was your first car?")."""
    matches = [
        match
        for match in _MAKE_AND_MODEL.finditer(text, max(0, entity.start - 24), min(len(text), entity.end + 24))
        if match.start() <= entity.start and entity.end <= match.end()
    ]
    if not matches or _A_PERSON_AFTER_A_NAME.match(text, matches[0].end()):
        return False
    line_start = text.rfind("\n", 0, entity.start) + 1
    ends = [end.end() for end in SENTENCE_END.finditer(text, line_start, matches[0].start())]
    sentence_start = ends[-1] if ends else line_start
    said = _WORD.findall(text, sentence_start, matches[0].start())
    said_before = [word for word in said if word.lower() not in _CAR_ANSWER_OPENS]
    if said_before and not _BEFORE_A_CAR.search(text, max(line_start, matches[0].start() - 24), matches[0].start()):
        return False
    asked = line_at(text, line_start - 1)[-CONTEXT_CHARACTERS:] if line_start else ""
    around = text[max(0, entity.start - 300) : entity.start]
    return not (asks_for_a_person(question_in(asked)) or _SECRET_ASKED.search(around) or _ANSWER.search(around))


# "…my dog. Her name's Rosie.": "her name" said after an animal, with no person said in the turn.
_ITS_NAME = re.compile(
    rf"\b(?:his|her|its|their)[^\S\n]+names?(?:[^\S\n]+is|['’]?s)[^\S\n]+(?:(?:um|uh),?[^\S\n]+)?{_NAME_WORD}",
    re.IGNORECASE,
)
# People a name could be said of beside an animal: "My daughter has a cat. Her name is…", "The dog bit
# a lady. Her name is…", "My son Derek is a boxer."
_A_PERSON_NOUN = re.compile(rf"\b(?:{PEOPLE}|ex|who)\b", re.IGNORECASE)
_PRONOUN_PIECES = frozenset("he she it s hes shes its".split())
# Someone spoken to or asked for, before a name: "I spoke to Liam, the Aussie." is a person.
_SPOKEN_TO = re.compile(
    r"\b(?:ask for|asked for|speak to|speak with|spoke to|spoke with|talk to|talked to|talk with|see|saw|call|"
    r"called|message for)\W*$",
    re.IGNORECASE,
)
# A name given, not asked for: "her name is rosie", "my dogs name's max".
_GIVES_A_NAME = re.compile(r"\bnames?(?:[^\S\n]+is|['’]?s)[^\S\n]+\w", re.IGNORECASE)
# Where a name said again is a person's whatever an animal is called: "my sister Rosie", "My name is
# Rosie", "this is Rosie", "Hi Rosie", "Dr. Rosie", "ask for Rosie".
_A_PERSON_S_SLOT = re.compile(
    r"\b(?:my|our|his|her|your|their|name is|name's|this is|i'm|im|i am|it's|its|is this|hi|hey|hello|thanks|"
    # Not across a sentence's end: "Thank you. Rocco did great."
    r"thank you|dr|mr|mrs|ms|miss|for|ask for|speak to|speak with|talk to|talk with|message for|call)[^\w.!?]*$",
    re.IGNORECASE,
)


def pets_named(text: str) -> dict[str, list[tuple[int, int]]]:
    """The names a text gives animals, folded, with where each was given: "my dog, Duke", "a cat
    named Mochi", "Her name's Rosie." after "my dog" in a turn that speaks of no person, "Rocco.
    He's a boxer mix"."""
    named = [match for pattern in _PET_NAMED for match in pattern.finditer(text)]
    for asked in _PET_NAME_ASKED.finditer(text):
        question_end = text.find("\n", asked.end())
        if question_end == -1:
            continue
        question = line_at(text, asked.start())
        if (
            _SECRET_ASKED.search(question)
            or (
                _PET_NAME_AS_A_SECRET.search(text, max(0, asked.start() - CONTEXT_CHARACTERS), question_end)
                and not _PET_SEEN.search(question)
            )
            or asks_for_a_person(question.replace(asked.group(), " "))
        ):
            continue  # a secret, or a person asked for too: "Can I have your name and your pet's name?"
        answer_end = text.find("\n", question_end + 1)
        answer_end = len(text) if answer_end == -1 else answer_end
        named += [*_PET_NAME_GIVEN.finditer(text, question_end + 1, answer_end)]
        named += [*_PET_CALLED.finditer(text, question_end + 1, answer_end)]
    for match in _ITS_NAME.finditer(text):
        turn_start = text.rfind("\n", 0, match.start()) + 1
        turn_end = text.find("\n", match.end())
        turn = text[turn_start : len(text) if turn_end == -1 else turn_end]
        window = text[max(turn_start, match.start() - 120) : match.start()]
        if _ANIMAL.search(window) and not _A_PERSON_NOUN.search(turn.replace(match.group(), " ")):
            named.append(match)
    pets: dict[str, list[tuple[int, int]]] = {}
    for match in named:
        sentence_start = max(text.rfind(mark, 0, match.start()) for mark in ".!?\n") + 1
        if match.re is _PET_NAMED[2] and (
            _A_PERSON_NOUN.search(text, sentence_start, match.start("name"))
            or _A_PERSON_NOUN.search(text, match.end("name"), match.end())
            or _CAPITALISED_BEFORE.search(text, max(sentence_start, match.start() - 32), match.start())
            or _SPOKEN_TO.search(text, max(sentence_start, match.start() - 32), match.start())
        ):
            continue  # "My son Derek is a boxer mix.", "Dana, the dog walker.", "Bentley Eze, the …": the family's
        for group in ("name", "second"):
            if match.group(group):
                pets.setdefault(lexicon.fold(match.group(group)), []).append(match.span(group))
    return pets


_FOND_WORDS = frozenset("poor little sweet good big old baby silly naughty brave".split())


def _a_pet_s_name(text: str, entity: Entity, pets: dict[str, list[tuple[int, int]]] | None) -> bool:
    """The name found at ``entity`` is an animal's: every word of it a name the text gives an animal
    (``pets_named``), where it is given, or said again where no person's name goes ("See you and
    Rosie Wednesday!"; not "My sister Rosie", "My name is Rosie.", "Rosie, she's my wife" nor "Bella
    is my daughter's name too"); or the word for the animal itself ("a beagle"), or a word of its
    breed after an article ("a jack russell mix")."""
    if pets is None:
        return False  # no animal said
    if (
        _ANIMAL.fullmatch(text, entity.start, entity.end)
        and not _NAMED_BREED.fullmatch(text, entity.start, entity.end)
        and not _spelled_after(text, entity.start, entity.end)
    ):
        return True  # the animal itself: "One dog, a beagle."; not a name spelled out: "yeah it's pup p u p"
    if any(
        animal.start() <= entity.start
        and entity.end <= animal.end()
        and _AN_ANIMAL_S_ARTICLE.search(text, max(0, animal.start() - 12), animal.start())
        for animal in _ANIMAL.finditer(text, max(0, entity.start - 32), min(len(text), entity.end + 32))
    ):
        return True  # a word of its breed: "my Maine coon", "a jack russell mix"; not "my neighbor Jack Russell"
    words = [lexicon.fold(word) for word in _WORD.findall(text, entity.start, entity.end)]
    # "bishop he's": the finding ran on; "Poor Pepper", "little Max": a word of pity or fondness before it.
    names = [word for word in words if word not in _PRONOUN_PIECES and word not in _FOND_WORDS]
    if not names or not all(word in pets for word in names):
        return False
    if any(start < entity.end and entity.start < end for word in names for start, end in pets[word]):
        return True  # where the animal is given its name
    line_start = text.rfind("\n", 0, entity.start) + 1
    before = text[max(line_start, entity.start - 24) : entity.start]
    sentence_end = SENTENCE_END.search(text, entity.end)
    after = text[entity.end : sentence_end.start() if sentence_end else len(text)]
    return not (
        _A_PERSON_S_SLOT.search(before)
        or _A_PERSON_NOUN.search(before)
        or _PERSON_SAID.match(after.lstrip(" ,"))
        or _A_PERSON_NOUN.search(after)
        or (line_start and _asks_for_a_name(line_at(text, line_start - 1)))
    )


def _asks_for_a_name(turn: str) -> bool:
    """The turn asks for a person: "And your name?", "agent whats your name" in speech written
    without punctuation (not "Her name's Rosie." nor "her name is rosie", which give one)."""
    question = question_in(turn)
    unpunctuated = not SENTENCE_END.search(turn.rstrip()) and not _GIVES_A_NAME.search(turn)
    return (question.rstrip().endswith("?") or unpunctuated) and asks_for_a_person(question)


# Where one is or passes: "in", "near", "departs", "based" (not "to" or "from": "I spoke to Austin").
_WHERE_ONE_IS = frozenset(
    "in near outside around visiting located based downtown via toward towards through into departs departing "
    "leaving leaves".split()
)
# Talk of a journey, before "to" or "from" a place: "flight", "drove", "headed", "ship it".
_JOURNEY = re.compile(
    r"fl(?:y|ies|ying|ew|ight|ights)|trips?|driv(?:e|es|ing)|drove|head(?:ed|ing)?|go(?:ing)?|went|travel\w*|"
    r"mov(?:e|ed|ing)|ship\w*|deliver\w*|route|arriv\w*|return\w*|connect\w*|layover|train|bus|tickets?|"
    r"relocat\w*|transfer(?:red)?|came|coming|visit\w*|vacation|back|commute\w*",
    re.IGNORECASE,
)
# Where someone is, not a place: "deliver it to Savannah at the front desk".
_AT_A_DESK = re.compile(r"at (?:the )?(?:front )?(?:desk|reception|counter)\b", re.IGNORECASE)
# Words said alone to open a turn, before a stop or a comma: "Oh. Okay, let's do the rollover then."
# What follows a surname said alone in its turn: "Price."; not "Walker, the walker broke".
_SURNAME_ALONE = re.compile(r"[\s.,!?]*")
_INTERJECTIONS = frozenset("oh ah aw ooh whoa wow hey huh hmm hm mhm mhmm um uh okay ok yes yeah yep nope no".split())
_INTERJECTION_CLOSED = re.compile(r"[^\S\n]*[.!,?…]")
_SPELLED = re.compile(r"\b[A-Za-z](?:[-.\s]+[A-Za-z]\b){1,3}")


def _spelled_after(text: str, start: int, end: int) -> bool:
    """The word from ``start`` to ``end`` is spelled out straight after it, letter by letter ("Pup
    P-U-P", "pup p as in paul u p", "double" for a pair)."""
    word, letters, position = text[start:end].lower(), "", end
    while len(letters) < len(word):
        unit = _SPELT_UNIT.match(text, position)
        if unit is None:
            return False
        letters += unit.group("letter").lower() * (2 if unit.group("double") else 1)
        position = unit.end()
    return letters == word


_SPELT_UNIT = re.compile(
    r"[\s,.-]*(?:(?P<double>double)\s+)?(?P<letter>[A-Za-z])\b(?:\s+as\s+in\s+[A-Za-z]+)?", re.IGNORECASE
)


# An option an automated line offers: "…, say summons.", "You can say paystub, tax forms, or…".
# Only after what it is for, or in a list: not "but you can say katya", "Please say Anjali's date of birth".
_OPTION_OFFERED = re.compile(
    r",[^\S\n]+say[^\S\n]+[\"“]?(?P<after>[^\W\d_][\w'’-]*)(?=[\"”]?[^\S\n]*(?:[.,;]|$))"
    r"|\bsay[^\S\n]+[\"“]?(?P<listed>[^\W\d_][\w'’-]*)(?=[\"”]?(?:,?[^\S\n]+or\b|,[^\n.?!]{0,40}\bor\b))",
    re.IGNORECASE | re.MULTILINE,
)


def menu_options(text: str) -> dict[str, list[int]]:
    """The words an automated line offers to be said, folded, with where each is offered: in
    lowercase in a prompt that writes capitals ("…, say summons."); a name to be said is none
    ("When you get to the desk, say Rodriguez.")."""
    options: dict[str, list[int]] = {}
    for match in _OPTION_OFFERED.finditer(text) if "say" in text.lower() else ():
        option = match.group("after") or match.group("listed")
        # A prompt writes its options in lowercase: "say summons"; not "At the desk, say Rodriguez."
        if option.islower() and not line_at(text, match.start()).islower():
            options.setdefault(lexicon.fold(option), []).append(match.start())
    return options


def _a_menu_option(text: str, entity: Entity, options: dict[str, list[int]]) -> bool:
    """The name found at ``entity`` is a word an automated line offers to be said (``menu_options``),
    offered there or said back as the answer: "…, say summons." / "Summons."."""
    offered = options.get(lexicon.fold(text[entity.start : entity.end])) if options else None
    if not offered:
        return False
    line_end = text.find("\n", entity.end)
    line_end = len(text) if line_end == -1 else line_end
    return any(entity.start - CONTEXT_CHARACTERS <= position < line_end for position in offered)


def _an_endearment(text: str, entity: Entity) -> bool:
    """The name found at ``entity`` is a word of endearment said to the listener, set off by a
    comma: "And your name, dear?", "Okay, hon, one more thing"; not "My wife Honey handles the
    bills", "Is this Mrs. Darling?"."""
    said = text[entity.start : entity.end]
    return (
        lexicon.fold(said) in _ENDEARMENTS
        and text[max(0, entity.start - 2) : entity.start].endswith((", ", ","))
        and _INTERJECTION_CLOSED.match(text, entity.end) is not None
    )


_ENDEARMENTS = frozenset("dear honey hon sweetie sweetheart darling buddy".split())


def _an_interjection(text: str, entity: Entity) -> bool:
    """The name found at ``entity`` is an interjection opening its turn ("Oh! Yes, I closed that PO
    box."), not where the turn before asks for a person ("And your last name?" / "Oh.")."""
    line_start = text.rfind("\n", 0, entity.start) + 1
    closed = _INTERJECTION_CLOSED.match(text, entity.end)
    if text[line_start : entity.start].strip() or not closed:
        return False
    if lexicon.fold(text[entity.start : entity.end]) not in _INTERJECTIONS:
        return False
    # The turn goes on with words of its own, none spelling the word ("Huh... H-U-H." is a surname).
    line_end = text.find("\n", closed.end())
    rest = text[closed.end() : len(text) if line_end == -1 else line_end]
    if not _WORD.search(rest) or _SPELLED.search(rest):
        return False
    return not (line_start and asks_for_a_person(question_in(line_at(text, line_start - 1))))


# A question about what medicines someone takes or cannot take.
_MEDICINE_ASKED = re.compile(
    r"\b(?:allerg\w*|medications?|medicines?|meds|drugs?|prescriptions?|refills?|dosage)\b",
    re.IGNORECASE,
)
_PRESCRIBER = re.compile(r"\b(?:who|whom|whose|prescrib\w*|pharmacist|doctor|dr|under)\b", re.IGNORECASE)
# Titles and forms of address before a person's name.
_TITLES = TITLES | frozenset(
    "nurse officer pastor coach sister brother judge captain deputy sergeant sgt nana auntie aunt uncle father "
    "reverend rev".split()
)
# What is said of a person after their name: "…, my wife, …", "…, the teller", "she set it up".
_PERSON_SAID = re.compile(
    r"\b(?:he|she|him|her|himself|herself|he's|she's|hes|shes|he'd|she'd|my|our|his|their|your|told|said|sold|"
    rf"helped|knows|handles|booked|switched|opened|set|gave|{PEOPLE})\b",
    re.IGNORECASE,
)


def _starts_sentence(text: str, position: int) -> bool:
    before = position - 1
    while before >= 0 and text[before] in ' \t"“':
        before -= 1
    return before < 0 or text[before] in ".!?…\n"


def _said_again(text: str, first: Entity, second: Entity) -> bool:
    """``second`` begins with the first word of ``first``: the name begun again."""
    word = _TOKEN.match(text, first.start)
    return word is not None and text[second.start : second.end].lower().startswith(word.group().lower())


def _merge(found: list[Entity], text: str) -> list[Entity]:
    """Overlapping findings become one entity spanning all of them, typed by
    the most confident: anything any recogniser flagged is redacted. Two of
    one type with only a hesitation between are one value, paused in ("Oluwaseun,
    uh, Adebayo"); but a name said again after a pause is a second mention ("max um
    max brennan")."""
    merged: list[Entity] = []
    for entity in sorted(found, key=lambda item: (item.start, -item.end)):
        last = merged[-1] if merged else None
        paused = (
            last is not None
            and entity.type == last.type
            and entity.start > last.end
            and _HESITATION.fullmatch(text, last.end, entity.start) is not None
            and not (entity.type == PERSON and _said_again(text, last, entity))
        )
        if last is not None and (entity.start < last.end or paused):
            strongest = entity if entity.score > last.score else last
            merged[-1] = Entity(strongest.type, last.start, max(last.end, entity.end), max(last.score, entity.score))
        else:
            merged.append(entity)
    return merged
