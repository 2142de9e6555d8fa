"""Numbers, e-mail addresses, dates, addresses and identifiers as speech-to-text
writes them: normalised to written forms, and recognised in context across a
dialogue. Pure functions: no database, no engine."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from compliance.redaction import lexicon, redact
from compliance.redaction.normalize import FILLER_WORDS, ORDINALS, normalize, spelled_in_the_alphabet
from compliance.redaction.recognizers import scan
from tests.compliance.redaction_checks import all_hidden, hidden

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
HESITATIONS = [" ", ", ", ", um, ", " uh ", " and then ", "… ", " hang on ", ", hold on, ", " let me see ", " um uh "]


def redacted(text: str) -> str:
    """``text`` with what the recognisers find replaced by ``[TYPE]``, as
    the engine merges overlapping findings."""
    merged: list[list] = []
    for entity, start, end, score in sorted(scan(text), key=lambda item: (item[1], -item[2])):
        if merged and start < merged[-1][2]:
            last = merged[-1]
            last[2] = max(last[2], end)
            if score > last[3]:
                last[0], last[3] = entity, score
        else:
            merged.append([entity, start, end, score])
    pieces, position = [], 0
    for entity, start, end, _ in merged:
        pieces += [text[position:start], f"[{entity}]"]
        position = end
    return "".join(pieces) + text[position:]


def types_found(text: str) -> set[str]:
    return {finding[0] for finding in scan(text)}


# --- Normalising ------------------------------------------------------------------------------


def say_digits(draw: st.DrawFn, digits: str) -> str:
    """Digits said one by one ("oh" or "zero" for 0, "double" for a pair) in
    groups split by hesitations. Never a hesitation where the digits after it
    begin with all those before it: "one two, and then one two two" is as much
    "12", begun and said again as "122", as it is "12122", and no reading can tell."""
    words, index = [], 0
    while index < len(digits):
        digit = digits[index]
        spoken = draw(st.sampled_from(["oh", "zero"])) if digit == "0" else DIGIT_WORDS[int(digit)]
        if index + 1 < len(digits) and digits[index + 1] == digit and draw(st.booleans()):
            words.append((f"double {spoken}", index))
            index += 2
        else:
            words.append((spoken, index))
            index += 1
    text = words[0][0]
    for word, at in words[1:]:
        begun_again = digits[at:].startswith(digits[:at])
        text += draw(st.sampled_from(HESITATIONS)) if draw(st.integers(0, 3)) == 0 and not begun_again else " "
        text += word
    return text


def ends_a_card_early(digits: str) -> bool:
    """A card number (Luhn-valid, sixteen digits, fifteen for American
    Express) is whole: the digits said after it are its expiry or its code."""
    length = 15 if digits[:2] in ("34", "37") else 16
    if len(digits) <= length:
        return False
    total = sum(
        (value - 9 if value > 9 else value)
        for position, digit in enumerate(reversed(digits[:length]))
        for value in [int(digit) * (2 if position % 2 else 1)]
    )
    return total % 10 == 0


def assert_reads_back(text: str, spoken: str, written: str) -> None:
    """``spoken`` in ``text`` normalises to ``written``, which maps back to exactly the words said."""
    normalized = normalize(text)

    assert normalized.text == text.replace(spoken, written)
    start = normalized.text.index(written)
    original = normalized.to_original(start, start + len(written))
    assert text[original[0] : original[1]] == spoken


@settings(max_examples=150, deadline=None)
@given(st.data(), st.text("0123456789", min_size=3, max_size=19).filter(lambda value: value[0] != "0"))
def test_any_digit_string_said_in_words_with_hesitations_reads_back_as_its_digits(data, digits):
    assume(not ends_a_card_early(digits))
    # Two digits, a pause, then the same two and more is a value begun again
    # ("3 8, uh, 3 8 5"): read as said twice (test_a_code_begun_then_said_again…).
    assume(not (len(digits) > 4 and digits[2:].startswith(digits[:2])))
    spoken = say_digits(data.draw, digits)

    assert_reads_back(f"the number is {spoken}. thanks", spoken, digits)


# Parts without vowels, so that none is a word ("as"), a number ("three") or
# a filler ("mm") when said whole; spelled out, every letter is said.
LOCAL_PARTS = st.lists(
    st.text("bcdfghjkmnpqrstvwxz0123456789", min_size=1, max_size=6).filter(lambda part: part not in FILLER_WORDS),
    min_size=1,
    max_size=3,
).map(lambda parts: parts if parts[0][0].isalpha() else ["x" + parts[0], *parts[1:]])
DOMAINS = st.sampled_from(["gmail.com", "yahoo.co.uk", "outlook.com", "example.org", "comcast.net", "patelcpa.com"])


def say_characters(value: str) -> str:
    return " ".join(DIGIT_WORDS[int(character)] if character.isdigit() else character for character in value)


@settings(max_examples=150, deadline=None)
@given(LOCAL_PARTS, st.sampled_from(["dot", "underscore", "dash"]), DOMAINS, st.booleans())
def test_any_email_address_spoken_letter_by_letter_reads_back_as_the_address(parts, separator, domain, spelled):
    written_separator = {"dot": ".", "underscore": "_", "dash": "-"}[separator]
    address = written_separator.join(parts) + "@" + domain
    local = f" {separator} ".join(say_characters(part) if spelled else part for part in parts)
    spoken_domain = " dot ".join(domain.split("."))
    spoken = f"{local} at {spoken_domain}"
    text = f"yeah my email is {spoken} okay"

    assert_reads_back(text, spoken, address)
    assert redacted(text) == "yeah my email is [EMAIL] okay"


@pytest.mark.parametrize(
    "spoken, written",
    [
        ("raj at patel c p a dot com", "raj@patelcpa.com"),
        ("maria underscore garcia at yahoo dot co dot uk", "maria_garcia@yahoo.co.uk"),
        ("j o h n dot smith eight eight at gmail dot com", "john.smith88@gmail.com"),
        ("k mensah seventy five at yahoo dot com", "kmensah75@yahoo.com"),
        ("t sokolova at proton dot me", "tsokolova@proton.me"),
        ("s as in sam a r a h at gmail dot com", "sarah@gmail.com"),
    ],
)
def test_spoken_email_addresses_are_read_as_token_sequences(spoken, written):
    assert normalize(f"it's {spoken}").text == f"it's {written}"


def test_at_in_ordinary_speech_is_no_email():
    assert normalize("I'm looking at gmail dot com right now").text == "I'm looking at gmail dot com right now"


@pytest.mark.parametrize(
    "spoken, written",
    [
        ("W 2 8 8 4 1 7 7 0 3", "W288417703"),
        ("c l m two oh two four five five", "CLM202455"),
        ("C 0 1 X 0 0 T 4 7", "C01X00T47"),
        ("P-D-3-3-8-1-0-4-5", "PD3381045"),
        ("a oh seven seven one two three four five", "A07712345"),
        # Between commas, and zeros said "oh" one after another.
        ("K-I-W-I, 4-4", "KIWI44"),
        ("K, I, W, I, 4, 4", "KIWI44"),
        ("oh oh oh five", "0005"),
    ],
)
def test_codes_spelled_letter_by_letter_are_joined(spoken, written):
    assert normalize(f"it is {spoken} ok").text == f"it is {written} ok"


@pytest.mark.parametrize(
    "text, written",
    [
        ("I have a 2019 Honda", "I have a 2019 Honda"),
        ("it says x b eight dash t two", "it says x b 8 dash t 2"),
        ("Call CA5970160a2268523912b8225963105c", "Call CA5970160a2268523912b8225963105c"),
        ("that's in Buffalo, OH 40556", "that's in Buffalo, OH 40556"),
        # A comma after a word, a word of the spelling alphabet alone or after "as in", names.
        ("Apt 12F, 340 East 64th Street", "Apt 12F, 340 East 64th Street"),
        ("It's Kolkata, capital K, 2024, exclamation point.", "It's Kolkata, capital K, 2024, exclamation point."),
        ("d as in delta seven seven two", "d as in delta 772"),
        ("We saw Romeo and Juliet 2 times", "We saw Romeo and Juliet 2 times"),
        ("Victor 2 1 9 called", "Victor 219 called"),
        # A number word inside a word of another script's letters: "Báten", "Léone".
        ("It might be Báten? Or Léone.", "It might be Báten? Or Léone."),
        ("Zoë, Kraków, Ñoño", "Zoë, Kraków, Ñoño"),
    ],
)
def test_words_and_written_tokens_are_not_read_as_spelled_codes(text, written):
    assert normalize(text).text == written


def test_a_correction_does_not_join_the_values_on_either_side():
    assert normalize("It's 45019… sorry, 4532 0151 1283 0366.").text == "It's 45019… sorry, 4532015112830366."


def test_a_written_format_keeps_its_separators():
    assert normalize("born 1985-03-15, social 219-09-9999, call 415-555-0132").text == (
        "born 1985-03-15, social 219-09-9999, call 415-555-0132"
    )


def test_a_day_after_a_month_is_not_joined_to_the_year():
    assert normalize("march fifteen nineteen eighty five, December 15, 2026").text == (
        "march 15 1985, December 15, 2026"
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"abc ,.-/@7", "one ", "oh ", "dot ", "at ", "double ", "um ", "sorry "]), max_size=30
    ).map("".join)
)
def test_every_character_of_the_copy_maps_into_the_original_in_order(text):
    normalized = normalize(text)

    spans = [normalized.to_original(index, index + 1) for index in range(len(normalized.text))]

    assert all(0 <= start <= end <= len(text) for start, end in spans)
    assert [start for start, _ in spans] == sorted(start for start, _ in spans)


# --- Recognising in sequence ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        # A digit run split by a hesitation is one value.
        ("my social is two one nine oh nine uh hang on nine nine nine nine", "my social is [SSN]"),
        ("The card number is 4532, um, let me see, 0151 1283 0366.", "The card number is [CREDIT_CARD]."),
        # The abandoned value and its restatement are typed alike.
        ("It's 45019… sorry, 4532 0151 1283 0366.", "It's [CREDIT_CARD]… sorry, [CREDIT_CARD]."),
        ("the pin is one nine eight seven no wait that's my bank one it's four four oh two", None),
        ("It's either 0612 or, uh, 0621.", "It's either [PIN] or, uh, [PIN]."),
    ],
)
def test_hesitations_join_and_corrections_carry_the_type(text, expected):
    if expected is None:
        assert redacted(text).count("[PIN]") == 2
    else:
        assert redacted(text) == expected


@pytest.mark.parametrize(
    "text, entity",
    [
        ("It's the card ending in 8 0 1 5.", "CREDIT_CARD"),
        ("the last four of my social are two two one nine", "SSN"),
        ("I see a checking account ending in 0932.", "BANK_ACCOUNT"),
        ("Savings account ending 3 1 1 8.", "BANK_ACCOUNT"),
        ("The last four are 4417.", "CREDIT_CARD"),
        ("Agent: What's the last four of your social? Caller: It's 4 0 0 9.", "SSN"),
    ],
)
def test_partial_identifiers_are_typed_by_what_the_sentence_is_about(text, entity):
    assert types_found(text) == {entity}


@pytest.mark.parametrize(
    "text, expected",
    [
        # The town said straight after a street is the address's own.
        ("I'm at 4512 Oak Street, Houston, 77005.", "I'm at [ADDRESS], [ZIP_CODE]."),
        ("it's one two three main street springfield six two seven oh four", "it's [ADDRESS] [ZIP_CODE]"),
        ("i live in austin texas seven eight seven oh one", "i live in austin texas [ZIP_CODE]"),
        ("It's 2215 North Halsted Street, Unit 3. Chicago, 60614.", "It's [ADDRESS]. Chicago, [ZIP_CODE]."),
        ("that's in Buffalo, OH 40556", "that's in Buffalo, OH [ZIP_CODE]"),
    ],
)
def test_zip_codes_are_known_by_their_place_after_an_address_city_or_state(text, expected):
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("My date of birth is 1985-03-15.", "My date of birth is [DATE_OF_BIRTH]."),
        (
            "Can you confirm your date of birth? Yes, it's October 17th, 1966.",
            "Can you confirm your date of birth? Yes, it's [DATE_OF_BIRTH].",
        ),
        ("Agent: and your DOB? Caller: uh march third eighty five", "Agent: and your DOB? Caller: uh [DATE_OF_BIRTH]"),
        (
            "Agent: What's your date of birth?\nCaller: 02/11/1957.",
            "Agent: What's your date of birth?\nCaller: [DATE_OF_BIRTH].",
        ),
        ("Seven fourteen nineteen eighty.", "[DATE_OF_BIRTH]."),
    ],
)
def test_dates_of_birth_are_known_from_the_question_or_the_year(text, expected):
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Card's 4111 1111 1111 1111. Um, 12/27. 861.",
            "Card's [CREDIT_CARD]. Um, [CARD_EXPIRY]. [CVV].",
        ),
        ("What's the security code? 4 1 2.", "What's the security code? [CVV]."),
        ("Agent: And the code? Caller: 941.", None),
        (
            "it's four one one one one one one one one one one one one one one one one two two seven eight six one",
            "",
        ),
    ],
)
def test_an_expiry_and_a_code_in_a_payment_need_no_words_of_their_own(text, expected):
    if expected == "":
        # Said in one breath: the card, then its expiry and code, as one run of digits.
        assert redacted(text).startswith("it's [CREDIT_CARD] [")
        assert not any(word in redacted(text) for word in ("one", "two", "seven", "eight", "six"))
        assert {"CREDIT_CARD", "CARD_EXPIRY", "CVV"} <= types_found(text)
    elif expected is None:
        text = "Agent: Which card? Caller: The Mastercard, 5176 0189 5559 7975. " + text
        assert "[CVV]" in redacted(text)
    else:
        assert redacted(text) == expected


def test_context_carries_from_the_previous_turn_for_a_bounded_distance():
    asked = "Agent: What's the security code?\nCaller: It's 412."
    far = (
        "Agent: What's the security code?\nCaller: Let me think about where the card went, it was here a minute ago.\n"
    )
    far += "Agent: No problem at all, take your time, I can wait while you look through the drawer.\nCaller: 4129."

    assert redacted(asked) == "Agent: What's the security code?\nCaller: It's [CVV]."
    # Too far for the question to type it; said alone, it is hidden as a code all the same.
    assert redacted(far) == far.replace("4129", "[PIN]")


@pytest.mark.parametrize(
    "text",
    [
        "For billing, press 2. For sales, press 3.",
        "The plan is $49.99 a month, or 499 a year.",
        "i ordered two or three days ago",
        "i've been paying for the last four months",
        "I've called 3 times in the last four weeks.",
        "Your appointment is on October 17th at 3:30.",
        "We have the model 4500 and the 5200 in stock.",
        "The order number is 1184522 and it shipped on 11/02.",
        "it's the tier two plan for twenty nine ninety nine",
        "How many lines do you need? 4.",
        "The promotion ends in 2027.",
        "The offer ends in 30 days.",
        "Back in 1985 I had a different card.",
        "My card was declined twice. It said error 405.",
        "Yes, order 55012 was the one.",
        "We were founded on March 3, 1985, and we've served the area since.",
        "Your confirmation number is 48213377.",
        "Your reference number is 77120394. Please keep it for your records.",
        "Extension 40521 will get you to claims.",
        "the deadline is December 15, 2026",
        "the code on the screen said error 404",
    ],
)
def test_harmless_numbers_survive(text):
    assert redacted(text) == text


@settings(max_examples=120, deadline=None)
@given(
    st.data(),
    st.text("0123456789", min_size=3, max_size=4).filter(
        # Not a leading zero: "Oh, one two." is as often "Oh, 12." as a code.
        lambda code: code[0] != "0" and not (len(code) == 4 and code[:2] in ("19", "20"))
    ),
    st.sampled_from(["", "Um, ", "uh ", "Caller: ", "Agent: What was that again?\nCaller: "]),
)
def test_a_code_said_alone_is_hidden_however_it_is_said(data, code, lead):
    spoken = code if data.draw(st.booleans()) else say_digits(data.draw, code)
    # "six, seven eight" with a pause is counted out, as "one, two, three" is: not a code.
    assume(not ("," in spoken and all(int(b) - int(a) == 1 for a, b in zip(code, code[1:], strict=False))))
    text = f"{lead}{spoken}{data.draw(st.sampled_from(['.', '', '…']))}"

    assert all_hidden(text, spoken)


@settings(max_examples=100, deadline=None)
@given(
    st.data(),
    st.text("0123456789", min_size=4, max_size=6).filter(lambda code: code[0] != "0"),
    st.sampled_from(
        [
            "Yes. Um, there's a gate code. It's {}{}",
            "Agent: What's the PIN on the account?\nCaller: {}{}",
            "Agent: Do you need a code to get in?\nCaller: Yeah, the door code. It's {}{}",
        ]
    ),
    st.sampled_from(
        [", then the pound key.", " then pound", ", followed by the hash key.", " and then press enter.", ", star."]
    ),
)
def test_a_code_and_the_key_pressed_after_it_are_no_more_than_the_code(data, code, template, key):
    spoken = code if data.draw(st.booleans()) else say_digits(data.draw, code)
    text = template.format(spoken, key)

    assert all_hidden(text, spoken)


@settings(max_examples=100, deadline=None)
@given(st.data(), st.text("0123456789", min_size=3, max_size=8), st.sampled_from(["PIN", "passcode", "security code"]))
def test_a_code_said_one_digit_a_sentence_is_hidden_whole(data, code, name):
    # Speech recognition hears each digit said slowly as a sentence: "0. 4. 1. 1.", "Four. One. One. Nine."
    said = ". ".join(
        digit if data.draw(st.booleans(), label="as a digit") else DIGIT_WORDS[int(digit)].capitalize()
        for digit in code
    )
    text = f"Agent: And your {name}?\nCaller: {said}."

    assert all_hidden(text, said)


@settings(max_examples=80, deadline=None)
@given(st.data(), st.from_regex(r"[2-9][0-9]{2}[2-9][0-9]{6}", fullmatch=True))
def test_a_value_read_back_is_found_whatever_digits_ended_the_turn_before(data, phone):
    # The turn before is read with the text, on a line of its own: its last digits are not the read-back's first.
    caller = f"yeah its {say_digits(data.draw, phone)}"
    written = f"{phone[:3]}-{phone[3:6]}-{phone[6:]}"
    text = f"{written}. And is that a mobile?"

    assert all_hidden(text, written, context=caller)


@pytest.mark.parametrize(
    "text", ["Press 1. 2 people are waiting.", "I have 3. 4 more are coming.", "Step 1. 2. 3. Done."]
)
def test_numbers_said_in_separate_sentences_are_not_one_value(text):
    assert redact(text).text == text


@pytest.mark.parametrize(
    "text", ["it was forty nine ninety nine", "Twelve fifty.", "About three hundred.", "Twenty twenty four."]
)
def test_an_amount_or_a_year_said_alone_is_no_code(text):
    assert redact(text).text == text


@settings(max_examples=80, deadline=None)
@given(st.data(), st.from_regex(r"[2-9][0-9]{2}", fullmatch=True))
def test_an_area_code_said_before_or_after_its_number_is_hidden(data, area):
    spoken = area if data.draw(st.booleans()) else say_digits(data.draw, area)
    template = data.draw(
        st.sampled_from(
            ["My number's 555-0174, area code {}.", "so that's 5 5 5 0 1 4 2 with the {} area code",
             "Call me at 555-0136. Oh, with the area code, {}.",
             "my cell is area code {} five five five oh one two two"]
        )
    )  # fmt: skip
    text = template.format(spoken)
    # Split by a pause where the digits after it begin with those before it ("two five, and
    # then two five five five…"), the code reads as begun again as well as it reads as its
    # last digit and then the number: no reading can tell.
    restarts = any((area[cut:] + "555").startswith(area[:cut]) for cut in (1, 2))
    assume(not (restarts and "five five five" in template and not spoken.isdigit()))

    assert all_hidden(text, spoken)


# --- Addresses, identifiers, ZIP codes and payments as said ----------------------------------

TEENS_AND_TENS = [
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
TENS_WORDS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def say_pair(value: int) -> str:
    """Two digits as said in a house number: "oh five", "twelve", "forty two", "thirty"."""
    if value < 10:
        return f"oh {DIGIT_WORDS[value]}"
    if value < 20:
        return TEENS_AND_TENS[value - 10]
    tens, units = divmod(value, 10)
    return TENS_WORDS[tens] + (f" {DIGIT_WORDS[units]}" if units else "")


def say_house_number(draw: st.DrawFn, number: int) -> str:
    """A house number the ways people say one: digit by digit, in pairs ("twenty two ten"),
    or in hundreds ("twenty four hundred", "five hundred twelve")."""
    if 1000 <= number < 10000 and number % 100 == 0 and draw(st.booleans()):
        return f"{say_pair(number // 100)} hundred"
    if 1000 <= number < 10000 and number // 100 >= 10 and number % 100 >= 10 and draw(st.booleans()):
        return f"{say_pair(number // 100)} {say_pair(number % 100)}"
    return " ".join(DIGIT_WORDS[int(digit)] for digit in str(number))


STREET_NAMES = st.sampled_from(
    ["maple", "Sycamore", "lakeshore", "Old Mill", "Kessler", "bellflower", "Ridgeview", "7th", "21st", "102nd", "3rd"]
)
STREET_KINDS = st.sampled_from(
    ["street", "Avenue", "road", "Lane", "drive", "Court", "way", "Boulevard", "terrace", "Place", "circle", "parkway"]
)


@settings(max_examples=120, deadline=None)
@given(st.data(), st.integers(1, 99999), STREET_NAMES, STREET_KINDS, st.sampled_from(["", "north ", "West, uh, "]))
def test_any_house_number_said_in_words_or_digits_with_any_street_kind_is_hidden(data, number, name, kind, way):
    said = str(number) if data.draw(st.booleans()) else say_house_number(data.draw, number)
    address = f"{said} {way}{name} {kind}"
    text = f"the new place is {address} thanks"

    assert all_hidden(text, address)
    assert text.startswith("the new place is ") and text.endswith(" thanks")


ROUTES = st.sampled_from(
    ["County Road {}", "Highway {} South", "State Road {}", "State Highway {} East", "Old Highway {}",
     "US Highway {}", "Farm to Market Road {}", "FM {}", "state route {}", "old route {}", "IH {} West"]
)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(st.data(), st.integers(1, 99999), ROUTES, st.integers(1, 2999), st.booleans())
def test_an_address_on_a_numbered_road_is_hidden(data, number, route, road, in_words):
    road_said = say_house_number(data.draw, road) if in_words else str(road)
    address = f"{number} {route.format(road_said)}"
    text = f"Mail goes to {address}, out past the feed store."

    assert all_hidden(text, address)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["88 Summer Street", "915 Hunter Street, Apartment 4C", "300 Kalakaua Avenue unit 1407",
                     "7 Paloma Court", "1809 West Grant Street"]),
    st.sampled_from(["Boston", "Springfield", "Las Cruces", "Honolulu", "Atlanta", "Memphis", "Chicago"]),
    st.sampled_from(["", ", Illinois", " New Mexico", ", TX"]),
    st.sampled_from([", ", " ", " in "]),
    st.sampled_from([".", ", 02110.", " 62704.", "? And the zip there is 60614?"]),
    st.booleans(),
)  # fmt: skip
def test_the_town_and_state_said_after_a_street_address_are_part_of_it(street, town, state, joined, end, lowercase):
    assume(not (lowercase and state.isupper()))  # raw speech says the state's name
    # A state's abbreviation only before the ZIP code: "Boston, OK?" asks.
    assume(not state.isupper() or end.lstrip(", ")[:1].isdigit())
    text = f"It's {street}{joined}{town}{state}{end}"
    if lowercase:
        text = text.lower()
    said = f"{street}{joined}{town}{state}"

    assert all_hidden(text, said.lower() if lowercase else said)


@pytest.mark.parametrize(
    "text, kept",
    [
        ("Our office is at 100 Main Street, Boston.", "Boston"),
        ("I live at 12 Oak Street. Boston is great in the fall.", "Boston"),
        ("The Boston store moved to Summer Street last year.", "Boston"),
        # A town's name that goes on as something else, and a word that is a state's abbreviation.
        ("It's 2200 Maple Avenue, Mobile phone is the best way to reach me.", "Mobile phone"),
        ("Send it to 42 Park Place, Orange is the color of the door.", "Orange is"),
        ("It's 17 Oak Lane, Boston, OK?", "OK?"),
        ("it's one two three main street yup nine four one one oh", "yup"),
    ],
)
def test_what_is_no_town_of_a_person_s_address_is_kept(text, kept):
    assert kept in redact(text).text


@pytest.mark.parametrize(
    "address",
    [
        "3300 Northeast 41st Avenue, um, Suite 210",
        "600 Commerce Street, 12th Floor",
        "507 Southwest 3rd Street, Apartment, uh, 2 North",
        "1704 Magnolia Way, uh, Unit C",
        "fifty six fifty county road nine lot b",
        "19 1/2 Cedar Court",
        "two twenty two and a half willow street",
        "N7845 State Road 13",
        "74-5605 Luhia Street",
        "15 Rue Royale, Unit C",
        "three thousand and one ocean drive unit p h four",
        "post office box sixty two",
        "h c sixty one box forty five",
        "88 Orchard Street, 4F",
        "412 7th Avenue, Apartment 2R",
        "twenty two ten north lamar apartment three oh five",
        "1427 Main St.\n#5",
        "88 Oak Ct.\n#5",
        "1204 ½ Elm Street",
        "Route 9, box 12",
    ],
)
def test_units_floors_fractions_and_grid_numbers_are_part_of_the_address(address):
    text = f"It's {address}, and that's the mailing one."

    assert all_hidden(text, address)


@pytest.mark.parametrize(
    "text, value",
    [
        ("My address is 1200 Kessler, no, that's my sister's.", "1200 Kessler"),
        ("i live on eight eighty eight elm just elm", "888"),
        ("the house number is one six four oh and the street is bellflower avenue", "one six four oh"),
        ("the house number is one six four oh and the street is bellflower avenue", "bellflower avenue"),
        ("it's sixty one oak no sixty one elm court sorry", "sixty one oak"),
        ("The house is 2 2 0 9… sorry, it's 2290 Elm Street.", "2 2 0 9"),
    ],
)
def test_a_street_said_without_its_kind_or_abandoned_in_a_correction_is_hidden(text, value):
    assert all_hidden(text, value.replace("888", "eight eighty eight elm"))


@pytest.mark.parametrize(
    "text",
    [
        "And any previous addresses in the last two years?",
        "The tickets can be moved to Sunday at 1 p.m. at no extra charge.",
        "I paid 25 dollars for 3 items at the store on Main Street.",
        "I see a 2019 Honda CR-V and a 2022 Tacoma on the policy.",
        "Take exit 12 and stay on it for 3 miles.",
    ],
)
def test_numbers_near_address_words_that_are_no_address_survive(text):
    assert redact(text).text == text


SPELLING_WORDS = {"P": "Paul", "B": "boy", "R": "Robert", "Z": "zebra", "Q": "queen", "M": "Mary", "D": "delta"}


@settings(max_examples=120, deadline=None)
@given(
    st.data(),
    st.lists(st.sampled_from(sorted(SPELLING_WORDS)), min_size=1, max_size=3),
    # Not a leading zero: "B, oh, one two" is as often "B. Oh, 12."
    st.text("0123456789", min_size=4, max_size=8).filter(lambda digits: digits[0] != "0"),
    st.sampled_from([", ", " ", ", um, ", " uh "]),
)
def test_an_identifier_read_with_as_in_letters_and_digit_groups_is_hidden_whole(data, letters, digits, pause):
    lowercase = data.draw(st.booleans())
    said_letters = [
        f"{letter} as in {SPELLING_WORDS[letter]}" if data.draw(st.booleans()) or lowercase else letter
        for letter in letters
    ]
    said_digits = " ".join(digits) if data.draw(st.booleans()) else say_digits(data.draw, digits)
    identifier = pause.join([*said_letters, said_digits])
    if lowercase:
        identifier = identifier.lower()
    text = f"The member number is {identifier}. Thanks."

    assert all_hidden(text, identifier)


# Medicare's numbers (MBI): eleven characters, said in groups of four, three and four
# ("1EG4-TE5-MK73"); no S, L, O, I, B or Z. Nor A here: a capital A in a code is not counted as a
# letter, as in a flight's or a paper's ("AA100", "A4"), so a number of A's is a known miss
# (bench/README.md, round 17).
MBI_LETTER = "CDEFGHJKMNPQRTUVWXY"
MEDICARE_NUMBERS = st.tuples(
    st.from_regex(rf"[1-9][{MBI_LETTER}][{MBI_LETTER}0-9][0-9]", fullmatch=True),
    st.from_regex(rf"[{MBI_LETTER}][{MBI_LETTER}0-9][0-9]", fullmatch=True),
    st.from_regex(rf"[{MBI_LETTER}][{MBI_LETTER}][0-9][0-9]", fullmatch=True),
)
# A health plan's member ID: a prefix of three capitals, then digits in groups ("XGJ 904 418 277").
MEMBER_IDS = st.tuples(
    # Not the abbreviations said before a number: "SSN 219…", "MRN 448…".
    st.from_regex(r"[BCDFGHJKLMNPQRSTVWXZ]{3}", fullmatch=True).filter(
        lambda prefix: prefix not in ("SSN", "MRN", "DMV")
    ),
    st.from_regex(r"[1-9][0-9]{2,4}", fullmatch=True),
    st.from_regex(r"[0-9]{3,5}", fullmatch=True),
)


@settings(max_examples=120, deadline=None)
@given(
    st.one_of(MEDICARE_NUMBERS, MEMBER_IDS),
    st.sampled_from([" ", ", uh, ", "-", ", "]),
    st.sampled_from(
        [
            ("Please say your Medicare number.", "{}."),
            ("Can I get the member ID from your insurance card?", "Yeah, it's {}. And the group is 40118."),
            ("What's the subscriber ID on the card?", "Um, I think it's {}."),
            ("", "My member ID is {}, thanks."),
            ("", "So the Medicare number on her card is {}."),
        ]
    ),
)
def test_an_identifier_said_in_groups_of_letters_and_digits_is_hidden_whole(groups, pause, turn):
    asked, answer = turn
    identifier = pause.join(groups)
    text = answer.format(identifier)

    assert all_hidden(text, identifier, context=asked)


def test_a_person_s_identifier_said_after_a_product_s_code_is_asked_for_is_hidden():
    text = "I don't have it, but my member ID is XGJ 904 418 277."

    assert all_hidden(text, "XGJ 904 418 277", context="What's the serial number on the back of the unit?")


def test_a_word_after_an_identifier_is_not_a_letter_of_it():
    assert redact("for the renter's policy RP-5520-8817, I'm adding her").text.endswith("[ACCOUNT_ID], I'm adding her")


@pytest.mark.parametrize(
    "text, identifier",
    [
        ("my medicare number is three h w seven k p two c x nine one", "three h w seven k p two c x nine one"),
        ("Policy number's P as in Paul, 8 8 3, um, 0 2 1, K.", "P as in Paul, 8 8 3, um, 0 2 1, K"),
        ("agent and the member id caller e as in echo k nine three three oh two one", "e as in echo k nine"),
        ("It's Dana Wu, claim AC 4478 1903, and I'm calling.", "AC 4478 1903"),
    ],
)
def test_characters_said_beside_a_recognised_identifier_belong_to_it(text, identifier):
    assert all_hidden(text, identifier)


def test_a_word_in_capitals_before_an_identifier_is_not_part_of_it():
    assert redact("member ID W992318").text == "member ID [ACCOUNT_ID]"


@settings(max_examples=80, deadline=None)
@given(st.data(), st.from_regex(r"[1-9][0-9]{4}", fullmatch=True))
def test_five_digits_said_as_a_zip_code_is_hidden_before_a_town_or_after_an_address(data, zip_code):
    # Five digits with nothing around them stay: a duration in milliseconds or a
    # count is as likely as a ZIP code (tests/calls/test_crm.py sends such bodies).
    said = zip_code if data.draw(st.booleans()) else " ".join(DIGIT_WORDS[int(digit)] for digit in zip_code)
    template = data.draw(
        st.sampled_from(
            ["{} knoxville", "{} Miami Beach.",
             "Mail goes to the P.O. Box 4471, not the house. Same town, {}.",
             "we get our mail at post office box sixty two in marfa {}",
             "it's {} that's atlanta", "Um, it's the {} area, Atlanta, Buckhead."]
        )
    )  # fmt: skip
    text = template.format(said)

    assert all_hidden(text, said)


@pytest.mark.parametrize(
    "text",
    [
        "The ticket number is 88204.",
        "Your order 55123 shipped today.",
        "It costs $12500 for the whole year.",
        "That's 40000 miles on the car.",
        "The order is 40012, that's a lot.",
    ],
)
def test_five_digits_marked_as_something_else_survive(text):
    assert redact(text).text == text


@settings(max_examples=80, deadline=None)
@given(st.data(), st.from_regex(r"[1-9][0-9]{2}", fullmatch=True), st.sampled_from(["… ", ", uh, ", ", um, "]))
def test_a_code_begun_then_said_again_from_the_start_is_hidden_both_times(data, code, pause):
    started = code[:2]
    spaced = data.draw(st.booleans())
    first, again = (" ".join(started), " ".join(code)) if spaced else (started, code)
    text = f"The CVV is {first}{pause}{again}, sorry."

    assert all_hidden(text, first) and all_hidden(text, again)


@pytest.mark.parametrize(
    "text, values",
    [
        ("good through eleven of twenty nine and then seven four seven", ["eleven of twenty nine", "seven four seven"]),
        ("Mastercard. 5555 5555 5555 4444. It says good thru 08/28. Back is 604.", ["08/28", "604"]),
        ("So the card ending 4444, December '27, 460. Processing now.", ["December '27", "460"]),
        ("the amex is 378282246310005 may of thirty seven seven one two", ["may of thirty", "seven seven one two"]),
        ("The card expires August twenty thirty.", ["August twenty thirty"]),
    ],
)
def test_an_expiry_and_the_code_after_it_are_hidden_in_a_payment(text, values):
    assert all(all_hidden(text, value) for value in values)


@pytest.mark.parametrize(
    "spoken, written",
    [
        ("twenty four hundred old route sixty six", "2400 old route 66"),
        ("seventeen thousand f m twenty nine twenty", "17000 FM2920"),
        ("The thirtieth of October nineteen seventy four.", "The 30th of October 1974."),
        ("born may twenty first nineteen seventy", "born may 21st 1970"),
        ("good through eleven of twenty nine and then seven four seven", "good through 11 of 29 and then 747"),
        ("19 1/2 Cedar Court", "19 1/2 Cedar Court"),
        ("The CVV is 3 8, uh, 3 8 5.", "The CVV is 38, uh, 385."),
        ("five five five, uh, five five five, oh one two three", "5555550123"),
        # Begun, then said again whole: the whole said again is a value's length, both together none.
        ("Yeah, it's 718... 718-555-0164.", "Yeah, it's 718... 718-555-0164."),
        ("The new one is 646-555-01, uh, 646-555-0187.", "The new 1 is 646-555-01, uh, 646-555-0187."),
        ("My Social's 4 1 2... 4 1 2 8 8 0 3 6 5.", "My Social's 412... 412880365."),
    ],
)
def test_hundreds_years_in_pairs_fractions_and_restarts_read_as_said(spoken, written):
    assert normalize(spoken).text == written


@pytest.mark.parametrize(
    "text, birth, kept",
    [
        (
            "Um, my birthday is the twenty-third. January. '99. Sorry, I'm half asleep.",
            ["twenty-third", "January", "'99"],
            [],
        ),
        ("It's 12/01/1974. December 1st, not January 12th.", ["December 1st"], ["January 12th"]),
        ("Hmm, the system has 7/15/1980, but you said July 5th.", ["July 5th"], []),
        ("agent and when were you born caller um seventy six", ["seventy six"], []),
        ("My birthday's 7/4/1979. Yeah, the 4th of July, everybody jokes about it.", [], ["4th of July"]),
        ("her birthday is um may fifth i think forty nine", ["may fifth", "forty nine"], []),
        ("uh nineteen seventy the first of march yeah", ["nineteen seventy the first of march"], []),
        ("in 2024 the 1st of march we moved", [], ["2024 the 1st of march"]),
    ],
)
def test_a_date_of_birth_said_in_pieces_or_restated_is_hidden(text, birth, kept):
    assert all(all_hidden(text, part) for part in birth)
    assert all(
        not any(position in hidden(text) for position in range(text.index(part), text.index(part) + len(part)))
        for part in kept
    )


# --- Dates in pieces, values read back, and what belongs to a value ---------------------------


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 99),
    st.sampled_from(["/", " slash ", ", slash, "]),
    st.sampled_from(["It's ", "Sorry, I'm reading it off his license. ", ""]),
)
def test_a_date_with_a_two_digit_year_is_a_birth_date_only_in_the_last_century(month, day, year, slash, lead):
    said = [
        f"{number:02d}"
        if slash == "/"
        else " ".join("oh" if d == "0" else DIGIT_WORDS[int(d)] for d in f"{number:02d}")
        for number in (month, day)
    ]
    year_said = f"{year:02d}" if slash == "/" else say_pair(year)
    assume(year >= 30 or year < 20)  # the twenties are this century's or the last's
    date = slash.join([*said, year_said])
    text = f"{lead}{date}."

    assert all_hidden(text, date) == (year >= 30)


@settings(max_examples=60, deadline=None)
@given(st.integers(1920, 2009), st.sampled_from(["", "Um, ", "Caller: "]), st.booleans())
def test_a_birth_year_said_alone_is_hidden_in_words_or_digits(year, lead, in_words):
    if in_words:
        spoken = f"nineteen {say_pair(year % 100)}" if year < 2000 else f"two thousand {DIGIT_WORDS[year % 10]}"
        spoken = spoken.replace("two thousand zero", "two thousand")
    else:
        spoken = str(year)
    text = f"{lead}{spoken}."

    assert types_found(text) == {"DATE_OF_BIRTH"}
    assert all_hidden(text, spoken)


@pytest.mark.parametrize(
    "text, parts",
    [
        ("it's the fifteenth of june uh and the year is nineteen eighty two", ["fifteenth of june", "nineteen eighty"]),
        ("um may fifth and then nineteen seventy four for the year", ["may fifth", "nineteen seventy four"]),
        ("the year is two thousand and the day is january thirtieth", ["two thousand", "january thirtieth"]),
        ("the month is december and i was born on the twenty eighth in seventy three", ["december", "seventy three"]),
        ("what year was i born uh eighty two", ["eighty two"]),
        ("uh july no sorry june twenty first nineteen seventy", ["july", "june twenty first nineteen seventy"]),
    ],
)
def test_a_date_of_birth_said_in_labelled_pieces_or_begun_again_is_hidden(text, parts):
    assert all(all_hidden(text, part) for part in parts)


@pytest.mark.parametrize(
    "text",
    [
        "Agent: What's the date on the letter? Caller: May 14th. Agent: Okay, that's the renewal notice.",
        "the year is fine, it's the month I'm worried about",
        "Twenty twenty four.",
    ],
)
def test_other_dates_and_talk_about_years_are_kept(text):
    kept = text.split("Caller: ")[-1].split(".")[0] if "Caller" in text else text.split(". ")[-1].rstrip(".")
    assert kept in redact(text).text


@settings(max_examples=60, deadline=None)
@given(st.data(), st.sampled_from([4, 5]), st.sampled_from(["did you say {} or {}?", "Was that {}, or {}?"]))
def test_a_value_read_back_with_its_other_reading_is_hidden_both_ways(data, length, question):
    first = data.draw(st.from_regex(rf"[1-9][0-9]{{{length - 1}}}", fullmatch=True))
    second = first[:-2] + first[-1] + first[-2]
    said = [
        value if data.draw(st.booleans()) else " ".join(DIGIT_WORDS[int(digit)] for digit in value)
        for value in (first, second)
    ]
    text = question.format(*said)

    assert all(all_hidden(text, value) for value in said)


@pytest.mark.parametrize("values", [("1880", "1808"), ("1800", "1880"), ("18330", "18303")])
def test_a_value_read_back_is_hidden_even_when_it_begins_like_a_toll_free_line(values):
    text = "did you say {} or {}?".format(*values)

    assert all(all_hidden(text, value) for value in values)


@pytest.mark.parametrize("text", ["Is it 1-800 or 1-888? The one on the card is worn.", "Is that model 4410 or 4420?"])
def test_amounts_and_business_lines_offered_as_choices_are_kept(text):
    assert redact(text).text == text


@settings(max_examples=40, deadline=None)
@given(
    st.from_regex(r"\([2-9][0-9]{2}\) [2-9][0-9]{2}-[0-9]{4}", fullmatch=True),
    st.sampled_from([", extension {}", ", ext. {}", " extension {}", " x{}"]),
    st.integers(1, 9999),
)
def test_a_phone_numbers_extension_is_hidden_with_it(number, extension, digits):
    said = number + extension.format(digits)
    text = f"You can reach me at {said}, that's my desk."

    assert all_hidden(text, said)


@pytest.mark.parametrize(
    "text, part",
    [
        ("It's j_lee@patelcpa.com. J underscore Lee.", "J underscore Lee"),
        ("You can send it to nkechi-brown@outlook.com. Nkechi dash brown.", "Nkechi dash brown"),
        ('Was that "faith dot okonkwo" or "faith underscore okonkwo" at example dot com?', "faith dot okonkwo"),
        ("Let me read that e-mail back: L-E-I-L-A, dash, F-A-R-A-H-A-N-I, at example dot net.", "F-A-R-A-H-A-N-I"),
        ("it's hossein r seven zero at hotmail dot com sorry hossein r seventy at hotmail dot com", "r seven zero"),
    ],
)
def test_an_email_addresss_parts_said_apart_or_spelled_with_pauses_are_hidden(text, part):
    assert all_hidden(text, part)


@pytest.mark.parametrize(
    "text",
    [
        "It's kwame-m at example dot net, with a dash between kwame and M.",
        "My email is priya_raman@example.com, with an underscore in the middle.",
    ],
)
def test_talk_about_an_emails_separators_is_kept(text):
    assert "a dash between" in redact(text).text or "an underscore in" in redact(text).text


@pytest.mark.parametrize(
    "text, value, entity",
    [
        ("Can you verify the last four of your social? ... Thank you, I have 8 8 1 2.", "8 8 1 2", "SSN"),
        (
            "Agent: Can you verify the last four of the account for the refund deposit? Caller: Uh, 2290.",
            "2290",
            "BANK_ACCOUNT",
        ),
        ("Checking account Four four one oh.", "Four four one oh", "BANK_ACCOUNT"),
        ("It's four, four... sorry, my kid is yelling... 4-4-0-9.", "4-4-0-9", "PIN"),
        ("uh twelve twenty seven and eight six one", "twelve twenty seven", "CARD_EXPIRY"),
        ("Sure, it's 5200 8282 8282 8210. Wait, did I say 8210? Yeah, 8210 at the end.", "8210", "CREDIT_CARD"),
        ("I used my passport when I opened the account. The number's A03918274.", "A03918274", "PASSPORT"),
        ("Policy number 4 4 0 1 9 7 7 2 A.", "2 A", "ACCOUNT_ID"),
        (
            "um two six seven no wait let me start over two five six oh seven four nine seven four",
            "two six seven",
            None,
        ),
        ("the number is five five five oh one nine nine and the area code is six one seven", "six one seven", "PHONE"),
    ],
)
def test_answers_to_an_earlier_question_and_a_values_pieces_are_hidden(text, value, entity):
    assert value not in redact(text).text
    if entity:
        assert entity in types_found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Okay, 1, 2, 3... I'm counting the boxes. There are 7 here.",
        "So I want to cancel the Sterling package. The, uh, the 149 one.",
        "So your member ID is on file, and the group number is 44019.",
        "We can add her to the plan with a 30-day grace period.",
        "The Marshall Field's gift card program ended in 2006.",
        "I was born in the sixties. Nineteen sixty-six, not 2066, obviously.",
    ],
)
def test_counts_choices_group_numbers_and_periods_are_kept(text):
    assert not any(token in redact(text).text for token in ("[PIN]", "[CVV]", "[ACCOUNT_ID]", "[CREDIT_CARD]"))
    assert "2066" in redact(text).text or "2066" not in text


# --- Dates of birth with a pause inside, and secrets said as words ------------------------------

SPOKEN_DAYS = [*ORDINALS, *(f"twenty {ordinal}" for ordinal in list(ORDINALS)[:9])]
MONTH_NAMES = "january february march april may june july august september october november december".split()


def say_year(year: int) -> str:
    """A year as said: "nineteen eighty five", "nineteen oh five", "two thousand one"."""
    if year >= 2000:
        return "two thousand" + (f" {DIGIT_WORDS[year - 2000]}" if year > 2000 else "")
    return f"nineteen {say_pair(year - 1900)}"


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(SPOKEN_DAYS),
    st.sampled_from(MONTH_NAMES),
    st.integers(1930, 2009),
    st.sampled_from([" uh ", " um ", " of uh ", " uh of ", ", um, ", " of um "]),
    st.sampled_from(["my date of birth is the ", "Agent: Date of birth? Caller: The ", "i was born on the ", ""]),
    st.booleans(),
)
def test_a_date_of_birth_with_a_pause_inside_is_hidden_whole(day, month, year, pause, lead, in_words):
    date = f"{day}{pause}{month} {say_year(year) if in_words else year}"
    text = lead + date

    assert all_hidden(text, date)


# Invented words: a secret that no list of words can know.
SECRETS = st.lists(
    st.from_regex(r"[bdfgklmnprstvz][aeiou][bdfgklmnprstvz][aeiou][bdfgklmnprstvz]", fullmatch=True),
    min_size=1,
    max_size=2,
)


def invented_secret(words: list[str], capitalised: bool) -> str:
    """The words as one secret, none of them a word the lexicon knows."""
    assume(all(lexicon.load().sense(word) == "UNK" for word in words))
    secret = " ".join(words)
    return secret.capitalize() if capitalised else secret


SECRET_QUESTIONS = [
    "Agent: What's the answer to your security question?\nCaller: ",
    "What's your verbal password? ",
    "Agent: And the security word? Caller: ",
    "agent what was the name of your first pet caller ",
    "Agent: Can you tell me the passcode on the account? Caller: ",
    "Agent: Security question, your mother's maiden name? Caller: ",
    # A title's period ends no question.
    "Agent: What was your first pet's name, Mr. Okafor?\nCaller: ",
    "Agent: And what street did you grow up on, Dr. Nwosu? Caller: ",
]
ANSWER_LEADS = [
    "", "Um, ", "Oh, uh, I think it's ", "it's ", "Hmm. It might be ", "Yeah, it's my dog's name... ", "Try ",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    SECRETS,
    st.sampled_from(SECRET_QUESTIONS),
    st.sampled_from(ANSWER_LEADS),
    st.sampled_from([".", "", "!", ". Agent: Thank you."]),
    st.booleans(),
)
def test_the_answer_to_a_question_for_a_secret_is_hidden(words, question, lead, close, capitalised):
    secret = invented_secret(words, capitalised)
    text = f"{question}{lead}{secret}{close}"

    assert all_hidden(text, secret)


@pytest.mark.parametrize(
    "question",
    [
        "Agent: Do you remember your password? Caller: ",
        "Is the PIN working now? ",
        "Agent: Would you like to set up a passcode?\nCaller: ",
        "agent did you get the password reset email caller ",
        "Agent: What's the answer to your security question? Caller: ",
        "What's your PIN? ",
    ],
)
@pytest.mark.parametrize(
    "answer",
    [
        "Nope, not at all.",
        "Maybe later.",
        "Sure, go ahead.",
        "I don't think so.",
        "Hold on a second.",
        "Sorry, which account?",
        "Let me check.",
        "Honestly no clue.",
        "Good question.",
        "Not yet.",
    ],
)
def test_talk_after_a_question_about_a_secret_is_no_secret(question, answer):
    assert redacted(question + answer) == question + answer


@settings(max_examples=150, deadline=None)
@given(
    st.from_regex(r"[A-Z]{1,2}[0-9]{7,9}", fullmatch=True),
    st.integers(2, 4),
    st.sampled_from(["… sorry, it's ", " uh no ", "… hang on, it's in my wallet… ", ", wait, let me start over, "]),
    st.sampled_from(["My passport number is ", "the member id is ", "Agent: Your license number? Caller: "]),
    st.booleans(),
)
# A value that begins as a pause sounds: the pause is no start of it.
@example(value="UH0000000", begun=2, pause=" uh no ", lead="My passport number is ", spaced=True)
# A start that is also a word said in the pause: "ME, wait, let me start over, ME0000000".
@example(value="ME0000000", begun=2, pause=", wait, let me start over, ", lead="My passport number is ", spaced=False)
def test_an_identifier_begun_and_said_again_from_the_start_is_hidden_both_times(value, begun, pause, lead, spaced):
    start = " ".join(value[:begun]) if spaced else value[:begun]
    text = f"{lead}{start}{pause}{value}."

    assert all_hidden(text, start)
    assert all_hidden(text, value)


@settings(max_examples=150, deadline=None)
@given(
    SECRETS,
    st.sampled_from(
        [
            "the city where i was born is {}",
            "high school mascot {}",
            "my first pet was a dog named {}",
            "Childhood nickname, oh no. It's {}. Please don't laugh.",
            "verbal password {}",
            "The answer {} is correct. Thank you.",
            "Your new security answer {} has been saved.",
            "I'm sorry, the password {} doesn't match.",
            "City where my parents met. That's, um, {}.",
            "Name of my first school, {}.",
            "I think the security word might be {}. My husband set it.",
            "my passcode is the name of my dog {}",
            "Your security question answer, {}, has been updated.",
            "{} all one word",
            "uh it's {} two words",
            "security question was my first car so {}",
        ]
    ),
    st.booleans(),
)
def test_a_secret_said_after_its_name_or_read_back_as_it_is_checked_is_hidden(words, template, capitalised):
    secret = invented_secret(words, capitalised)
    text = template.format(secret)

    assert all_hidden(text, secret)


@settings(max_examples=100, deadline=None)
@given(
    SECRETS,
    SECRETS,
    st.sampled_from(
        [
            "Agent: What was your high school mascot? Caller: Oh, the {0}. Go {0}.",
            "Agent: Passcode, please. Caller: It might be {0}… or {1}. I really don't know.",
            "First pet… it was a cat, um, {0}. Or was it {1}? No, {0}.",
        ]
    ),
)
def test_a_secret_said_again_without_its_article_or_after_a_request_or_a_pointer_is_hidden(first, second, template):
    one, other = invented_secret(first, True), invented_secret(second, True)
    assume(one.lower() != other.lower())
    text = template.format(one, other)

    for secret in [one, other] if "{1}" in template else [one]:
        assert all_hidden(text, secret, everywhere=True)


ACCENTED = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ü"}


@settings(max_examples=100, deadline=None)
@given(SECRETS, SECRETS, st.integers(0, 4), st.sampled_from(["? Or ", ". Or maybe ", "… no, ", ", or "]))
def test_a_secret_in_any_script_and_the_try_after_it_are_hidden(first, second, accent, joined):
    # Speech recognition writes a place or a name as it is spelled: "Kraków", "Zoë".
    one = invented_secret(first, True)
    vowel = [letter for letter in one if letter in ACCENTED][accent % 2]
    one = one.replace(vowel, ACCENTED[vowel], 1)
    other = invented_secret(second, True)
    assume(other.lower() != one.lower())
    text = f"I think the security word might be {one}{joined}{other}. I'm not sure."

    assert all_hidden(text, one)
    assert all_hidden(text, other)


@pytest.mark.parametrize(
    "text, secret",
    [
        # A secret of one invented word said twice: the second no name in any lexicon, and in lowercase.
        ("I think the security word might be Báten? Or Babab babab. I'm not sure.", "Babab babab"),
        ("My wife is Oluwaseun. I called oluwaseun's sister.", "oluwaseun"),
    ],
)
def test_a_word_no_lexicon_knows_said_again_in_lowercase_is_hidden(text, secret):
    assert all_hidden(text, secret, everywhere=True)


@pytest.mark.parametrize(
    "text",
    [
        "It's my first car, a 2019 Honda Civic, and the insurance went up.",
        "I forgot my verbal password.",
        "my first job was at a bank",
        "Your security question is the name of your first pet.",
        "Can you change my security answer? It's too easy.",
        "my password expired",
    ],
)
def test_talk_about_a_secret_s_question_is_no_secret(text):
    assert redacted(text) == text


@settings(max_examples=100, deadline=None)
@given(
    st.text("0123456789", min_size=3, max_size=6).filter(lambda digits: digits[0] != "0"),
    st.sampled_from(["I heard {}. Is that correct?", "I'm seeing {} on the account.", "Sorry, I have {} on file.",
                     "You said {}?"]),
    st.booleans(),
)  # fmt: skip
def test_a_value_the_agent_heard_or_has_on_file_is_hidden(digits, template, spaced):
    assume(not re.fullmatch(r"(?:19|20)\d\d", digits))
    said = " ".join(digits) if spaced else digits
    text = template.format(said)

    assert all_hidden(text, said)


@pytest.mark.parametrize(
    "text",
    ["I have 150 points.", "I see 200 dollars pending.", "I have order 4417 here.", "I see 2024 was a bad year."],
)
def test_a_count_an_order_or_a_year_the_agent_sees_is_no_value(text):
    assert redacted(text) == text


def nth(day: int) -> str:
    return f"{day}{'th' if 10 <= day <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th')}"


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(MONTH_NAMES),
    st.integers(1, 28),
    st.sampled_from(MONTH_NAMES),
    st.integers(1, 28),
    st.sampled_from(["Was that", "Sorry, I think I misheard. Did you say", "Just to be sure, is that", "I heard"]),
)
def test_two_dates_heard_back_to_be_told_apart_are_hidden(month, day, other_month, other_day, lead):
    first = f"{month.capitalize()} {nth(day)}"
    second = f"{other_month.capitalize()} {nth(other_day)}"
    assume(first != second)
    text = f"{lead} {first} or {second}?"

    assert all_hidden(text, first) and all_hidden(text, second)


@pytest.mark.parametrize("text", [
    "Do you want May 4th or May 5th for the appointment?",
    "Would you prefer June 2nd or June 9th?",
    "We have openings on March 3rd or March 10th.",
])  # fmt: skip
def test_dates_offered_to_choose_from_are_kept(text):
    assert redact(text).text == text


@settings(max_examples=60, deadline=None)
@given(st.data(), st.from_regex(r"[1-9][0-9]{3,4}", fullmatch=True))
def test_a_value_confirmed_back_is_hidden(data, value):
    assume(not re.fullmatch(r"(?:19|20)\d\d", value))  # a year heard back is a year, as everywhere
    said = " ".join(value) if data.draw(st.booleans()) else value
    lead = data.draw(st.sampled_from(["Just to confirm, that", "To confirm, that", "Okay, just to confirm, it"]))
    text = f"{lead}'s {said}?"

    assert all_hidden(text, said)


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(MONTH_NAMES),
    st.integers(1, 28),
    st.integers(1930, 2005),
    st.sampled_from([" hang on ", ", hold on, ", " sorry ", " no wait "]),
    st.sampled_from(["um it's ", "my birthday is ", "Agent: Date of birth? Caller: "]),
)
def test_a_month_begun_then_said_again_with_its_date_is_hidden_both_times(month, day, year, pause, lead):
    begun = month
    date = f"{month} {nth(day)} {year}"
    text = f"{lead}{begun}{pause}{date}"

    assert all_hidden(text, begun) and all_hidden(text, date)


@pytest.mark.parametrize(
    "before, text, value",
    [
        ("What's your date of birth?\nIt's May…", "…the 5th, 1997.", "the 5th, 1997"),
        (
            "And the street address?\nOkay, so it's 3318…",
            "…Saddleback Crossing. It's two words.",
            "Saddleback Crossing",
        ),
        ("Where should we send it?", "It's 3318… Saddleback Crossing.", "3318… Saddleback Crossing"),
    ],
)
def test_a_value_begun_in_one_turn_and_finished_in_the_next_is_hidden(before, text, value):
    assert all_hidden(text, value, context=before)


@pytest.mark.parametrize(
    "text",
    [
        "Uh, so it's Delacroix, capital D, all one word.",
        "my last name's three words de la cruz",
        "That's two words.",
        "Type your name as one word.",
        "put them together, two words",
    ],
)
def test_a_name_or_talk_spelled_as_words_is_no_secret(text):
    assert "PIN" not in {entity.type for entity in redact(text).entities}


# --- An address asked for in pieces, a year alone, a value said again -------------------------

ANSWER_LEADS = st.sampled_from(["", "Um, ", "okay um its ", "It's ", "Yeah, it's "])


@settings(max_examples=100, deadline=None)
@given(
    st.data(),
    st.integers(1, 99999),
    st.sampled_from(["What's the house number?", "What's the address?", "And the street number?",
                     "Okay. What's the address there?"]),
    ANSWER_LEADS,
)  # fmt: skip
def test_a_house_number_said_alone_after_the_question_for_it_is_hidden(data, number, question, lead):
    said = str(number) if data.draw(st.booleans()) else say_house_number(data.draw, number)
    text = f"{lead}{said}."

    assert all_hidden(text, said, context=question)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 999),
    st.sampled_from(["", "b", "B", "C"]),
    st.sampled_from(["And the apartment number?", "What's the unit number?", "And the lot number?",
                     "Apartment number?"]),
    ANSWER_LEADS,
    st.booleans(),
)  # fmt: skip
def test_a_unit_said_alone_after_the_question_for_it_is_hidden(number, letter, question, lead, in_words):
    if in_words and number < 100:
        said = (DIGIT_WORDS[number] if number < 10 else say_pair(number)) + (f" {letter.lower()}" if letter else "")
    else:
        said = f"{number}{letter}"
    text = f"{lead}{said}."

    assert all_hidden(text, said, context=question)


@settings(max_examples=100, deadline=None)
@given(
    STREET_NAMES,
    STREET_KINDS,
    st.sampled_from(["", "north ", "West, uh, "]),
    st.sampled_from(["Please say the street name.", "4712, and the street?", "Sorry, can you repeat the street?",
                     "What street do you live on?", "What's the name of the street?"]),
    ANSWER_LEADS,
    st.booleans(),
)  # fmt: skip
def test_a_street_said_alone_after_the_question_for_it_is_hidden(name, kind, way, question, lead, formatted):
    # Written as speech recognition writes it: each word of the name in capitals, or none.
    street = " ".join(
        word[:1].upper() + word[1:] if formatted and word != "uh," else word.lower()
        for word in f"{way}{name} {kind}".split(" ")
    )
    text = f"{lead}{street}. Like the tree."

    assert all_hidden(text, street, context=question)


@settings(max_examples=100, deadline=None)
@given(
    STREET_NAMES,
    STREET_KINDS,
    st.sampled_from(["I live on {}.", "we live over on {} now", "We moved to {} last spring.",
                     "My old address was on {}, by the school.", "Is your mailing address still the one on {}?",
                     "We'll mail it to the address on file, the one on {}.", "she lived on {} before the divorce"]),
    st.booleans(),
)  # fmt: skip
def test_a_street_without_a_house_number_is_hidden_where_someone_lives_there(name, kind, sentence, formatted):
    # Written as speech recognition writes it: capitals and punctuation, or neither.
    street = " ".join(word.capitalize() if formatted else word.lower() for word in f"{name} {kind}".split(" "))
    text = sentence.format(street) if formatted else re.sub(r"[.,?]", "", sentence.lower()).format(street)

    assert all_hidden(text, street)


@pytest.mark.parametrize(
    "text",
    [
        "The branch on Maple Avenue closes at five.",
        "What's the address of the store on Madison Avenue?",
        "Our office is located on Lincoln Avenue, suite 400.",
        "I'm staying at the Hilton on Peachtree Street.",
        "Thank you. And the street address for Palm Court?",
        "There's construction on Main Street, so parking is bad.",
        "Take a left onto Chase Avenue and we're on the right.",
        "The parade moved to Main Street this year.",
        "My billing address is correct and the Target on Kingsley Avenue charged me twice.",
    ],
)
def test_a_street_a_business_or_the_talk_names_survives(text):
    assert not hidden(text)


@settings(max_examples=60, deadline=None)
@given(
    st.from_regex(r"[0-9]{4}", fullmatch=True),
    st.sampled_from(["Please say your four digit PIN.", "What are the last four digits of your card?",
                     "And the four-digit security code on the front?", "Please say the last four of your social."]),
)  # fmt: skip
def test_a_bare_code_answering_a_prompt_for_a_secret_or_a_card_is_hidden(digits, prompt):
    said = " ".join(DIGIT_WORDS[int(digit)] for digit in digits).capitalize()

    assert all_hidden(f"{said}.", said, context=prompt)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A harmless question after the one the reply answers leaves it the first's.
        ("Can I have your four digit PIN? Also, when did you place the order?", "4417.", "4417"),
        ("What's the zip code? And what day is the appointment?", "90210.", "90210"),
        ("What's the security code on the back? And when will you pay the balance?", "731.", "731"),
        # How to say a date of birth is no date of something else.
        ("For security, please say your date of birth. Say the date as month, day and year.",
         "March fourth, nineteen eighty two.", "March fourth, nineteen eighty two"),
        ("Can I get your date of birth? Just give me the date, month and year.", "June 5th, 1974.", "June 5th, 1974"),
        # A receipt shows the card's last four.
        ("Can you read me the last four of your receipt?", "4471.", "4471"),
        ("", "Yeah, the receipt ends in 4471, that's my Visa.", "4471"),
    ],
)  # fmt: skip
def test_a_value_asked_for_beside_harmless_talk_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "question, text",
    [
        ("How many people live in the household?", "Four."),
        ("How many people live in the household?", "It's 4."),
        ("What street is the store on?", "It's on Main Street."),
        ("And the passport's expiration year?", "2031."),
        ("How much was the charge?\nIt was 1250 dollars.", "1250 dollars, okay."),
        # A count, a tyre, a storage space, a price per unit: no address's number.
        ("How many people live at the address?", "Four."),
        ("How many people live at the address?", "Just 2."),
        ("Do you need more storage space?", "Yeah, 2."),
        ("Was the tire flat?", "Yeah, 2."),
        ("Is that a flat rate, or per unit?", "Per unit, 12."),
        # A way, a place, a court said in talk after an address was asked for.
        ("What's the address?", "Let me find the best way to say it."),
        ("What's your address?", "I'm not sure. In the first place, I never moved."),
        ("What's your address?", "I'll be at my sister's place."),
        ("What's the street name?", "Hmm, I forget, it's the one by the school, near the town square."),
        ("What's the address?", "I'd have to ask my husband, he's at the tennis court."),
        ("Can you confirm the street?", "Yes, go straight down the main road."),
        ("Can you confirm your email address?", "Yeah. It's pretty close."),
        # An address's number said again as an amount.
        ("What's the address?\nIt's 100 Main Street.", "Yes, I'm one hundred percent sure."),
        ("What's the address?\nIt's 2024 Elm Street.", "And the total is 2024 dollars."),
        # Codes near a password that are no password.
        ("Okay, I've reset your password.", "The error says ERR404 when I log in from my iPhone15."),
        ("Okay, I've reset your password and sent a link.", "Great, my order number is ORD12345, it never came."),
        ("Okay, I've reset your password.", "Thanks. The tracking is abc12345."),
        # Talk of a mail provider, and a lot or a space that is no address.
        ("", "she is a manager at yahoo"),
        ("", "i worked at yahoo for two years"),
        ("", "i have two accounts one at gmail and one at yahoo"),
        ("", "I bought lot 5 of the stock."),
        ("", "Is there space 2 park?"),
        ("What's the address?", "It's a long way from here."),
        ("What's the address?", "I'm at the food court."),
        ("What's the address?", "It's up the long dirt road on the left."),
        ("What's the address?", "He's at family court today."),
        ("What's your address?", "We came full circle."),
        ("", "she's a v p at yahoo"),
        ("", "he's the c t o at gmail now"),
        ("", "i spent 10 years at yahoo"),
        ("", "i have one at gmail"),
        ("Apartment number?", "I think so."),
        ("What's the tonnage on your unit?", "3."),
        ("Any problems with the unit?", "2."),
        ("", "I parked in space 14."),
        ("", "The item is in lot 2231 of the recall."),
        # A box that holds things, a business's suite.
        ("I need a box of 12 envelopes.", "Sure, box 12 of the order."),
        ("What's the box number?", "It's the big one, by the door."),
        ("", "We're on the second floor, Suite 200."),
        ("What's the box number?", "It says box 12 of 15."),
        ("What's the address?", "I ticked check box 2 on the form."),
        ("What's the address?", "Box 2 was damaged, box 3 was fine."),
        ("What's the address?", "The software suite 365 is what I use."),
        ("What's the house number?", "9-5."),
        ("What road?", "What road? I don't know what you mean."),
        ("And the unit number?\n2A.", "Form 2A is what you need."),
        ("The road was closed.", "Yeah, Route 9 was a mess."),
    ],
)
def test_a_number_or_street_answering_another_question_survives(question, text):
    assert not hidden(text, context=question)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2025, 2039),
    st.sampled_from(["And the expiration year?", "What year does the card expire?", "Please say the expiration year."]),
    st.booleans(),
)
def test_an_expiry_year_said_alone_after_the_question_for_it_is_hidden(year, question, short):
    said = str(year % 100) if short else str(year)

    assert all_hidden(f"{said}.", said, context=question)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2025, 2039),
    st.sampled_from(["January", "March", "August", "November"]),
    st.sampled_from(
        [
            "And the passport's expiration date?",
            "Please say the passport expiration date.",
            "When does your warranty expire?",
            "And when does your license expire?",
            "And the expiration date of the passport?",
        ]
    ),
    st.sampled_from(["{month} {year}.", "It expires in, uh, {year}. {month} {year}.", "{year}. Um, {month} {year}."]),
)
def test_an_expiry_asked_for_a_thing_other_than_a_card_survives(year, month, question, answer):
    assert not hidden(answer.format(month=month, year=year), context=question)


@pytest.mark.parametrize(
    "context, text",
    [
        ("What's the passport number, and when does the card expire?", "10/27."),
        ("Passport expiry?\nMarch 2031.\nOkay. Now the card number?\n4111 1111 1111 1111.\nAnd expiry?", "10/27."),
        ("And the passport's expiration date?", "October 2031. And for the fee, my Visa's 4111 1111 1111 1111, 10/27."),
        ("And the passport's expiration date?", "October 2031. Oh, and the card on file expires 10/27."),
        ("I see your extended warranty expires June 2026.\nYes, let's do that.\nOkay, go ahead with the long number."
         "\n4111 1111 1111 1111.\nAnd the expiration date?", "10/27."),
        ("To pay the registration renewal fee, please say the expiration date, month and year.", "10/27"),
        ("Okay.", "My license expires next year, um, but the one I'm paying with expires 10/27."),
        ("Okay.", "Passport expires in 2031. Oh, and the one you're charging expires 10/27."),
        ("Thanks, that's 4111 1111 1111 1111.\nOkay, for your subscription, the expiration date on that?", "10/27"),
    ],
)  # fmt: skip
def test_a_card_s_expiry_said_after_talk_of_another_thing_s_is_hidden(context, text):
    assert all_hidden(text, "10/27", context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("And the passport's expiration date?\nOctober 2031.\nAnd your date of birth?", "04/85."),
        ("And the passport's expiration date?", "October 2031. And my date of birth is 04/85."),
    ],
)
def test_a_date_of_birth_said_after_talk_of_a_passport_s_expiry_is_still_hidden(context, text):
    assert all_hidden(text, "04/85", context=context)


@settings(max_examples=60, deadline=None)
@given(st.integers(30, 99), st.sampled_from(["What year were you born?", "and the year you were born"]))
def test_a_birth_year_said_alone_in_two_words_answers_the_question_for_it(year, question):
    said = say_pair(year)

    assert all_hidden(said, said, context=question)


@settings(max_examples=100, deadline=None)
@given(
    st.data(),
    # Not a year: "two oh double one" said alone is as often 2011 the year.
    st.from_regex(r"[1-9][0-9]{3,8}", fullmatch=True).filter(
        lambda code: not (len(code) == 4 and code[:2] in ("19", "20"))
    ),
    st.sampled_from(["What's your PIN?", "And the last four of his Social?", "What's your member ID?",
                     "Can you read me the code we texted you?"]),
    st.sampled_from(["{}, that matches.", "Okay, {} is set for Ngozi.", "Great, {}. You're verified."]),
)  # fmt: skip
def test_a_value_said_again_in_the_next_turn_is_hidden_there_too(data, digits, question, template):
    caller = f"Um, I think it's {say_digits(data.draw, digits)}."
    text = template.format(digits)

    assert all_hidden(text, digits, context=f"{question}\n{caller}")


@pytest.mark.parametrize(
    "question, answer",
    [
        ("For security, what city were you born in?", "Tulsa"),
        ("Thank you. What high school did you attend?", "Lowell High"),
        ("What is the name of the elementary school you attended?", "Roosevelt Elementary"),
        ("What town was your mother born in?", "Cedar Rapids"),
    ],
)
def test_the_answer_to_a_security_question_asked_as_such_is_hidden(question, answer):
    assert all_hidden(f"{answer}.", answer, context=question)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["Bluejay", "Kolkata", "Sunflower", "Tangerine", "Mistral", "Okonkwo"]),
    st.from_regex(r"[0-9]{2,4}", fullmatch=True),
    st.sampled_from([", ", ", uh, ", ", capital K, ", ", um, "]),
    st.sampled_from(["", ", exclamation point", ", at sign", ", exclamation mark, dollar sign"]),
    st.sampled_from(["Please say your new password.", "Want me to change the Wi-Fi password while we're at it?",
                     "What would you like the new passcode to be?"]),
    st.sampled_from(["Sure. Make it {}. One word.", "I'll just say it. It's {}.", "Okay, {}."]),
)  # fmt: skip
def test_a_password_said_by_its_parts_is_hidden_whole(word, digits, joint, symbols, question, template):
    password = f"{word}{joint}{digits}{symbols}"

    assert all_hidden(template.format(password), password, context=question)
    glued = f"{word}{digits}!"
    assert all_hidden(f"Because my old one was {glued}… oh, I shouldn't have said that.", glued, context=question)


@pytest.mark.parametrize(
    "question, text",
    [
        ("Want me to change the Wi-Fi password while we're at it?", "Sure. The modem is on floor 12."),
        ("Please say your new password.", "Sure, give me 10 seconds."),
    ],
)
def test_a_number_after_a_word_in_talk_of_passwords_is_no_password(question, text):
    assert not hidden(text, context=question)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Sure. What's the flight number?", "2 1 7 8."),
        ("Which room are you in?", "It's 1 4 2 0."),
        ("Kwame Asante.\nCould you spell the last name?\na s a n t e", "Thank you. And a card to guarantee the room?"),
        ("", "Thank you for calling the Hilton Garden Inn Savannah, this is Tyler, how may I help you?"),
        ("", "Welcome to Equifax. How can I help?"),
    ],
)
def test_a_number_answering_a_harmless_question_a_spelling_s_next_turn_and_a_greeted_business_survive(context, text):
    found = {text[entity.start : entity.end] for entity in redact(text, context=context).entities}

    assert found <= {"Tyler"}


@pytest.mark.parametrize(
    "context, text, value",
    [
        (
            "Thank you. And a card to guarantee the room?",
            "okay its a mastercard five five five five five five five five",
            "five five five five five five five five",
        ),
        ("Thank you for calling Doctor Patel's office.", "Hi, I'm calling for Doctor Patel's nurse.", "Patel's"),
    ],
)
def test_a_value_after_a_question_that_is_not_only_harmless_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@settings(max_examples=80, deadline=None)
@given(LOCAL_PARTS, st.sampled_from(["gmail", "yahoo", "hotmail", "outlook", "icloud"]), st.booleans())
def test_an_address_at_a_mail_provider_said_without_its_domain_is_hidden(parts, provider, spelled):
    # Spelled, or with a dot: a lone word before "at gmail" ("kwame at gmail") is not told from talk.
    assume(spelled or len(parts) > 1)
    said = " dot ".join(say_characters(part) if spelled else part for part in parts) + f" at {provider}"
    text = f"wait no its {said}"

    assert all_hidden(text, said)


@pytest.mark.parametrize(
    "text",
    ["my daughter works at yahoo", "i had an account at yahoo", "he is an engineer at gmail", "we met at gmail hq"],
)
def test_talk_about_a_mail_provider_is_no_address(text):
    assert not hidden(text)


@settings(max_examples=80, deadline=None)
@given(
    st.data(),
    # Not a year: "Um, 2010." after a request is as often the year it happened.
    st.from_regex(r"[1-9][0-9]{3}", fullmatch=True).filter(lambda code: code[:2] not in ("19", "20")),
    st.sampled_from(["For the refund I'll need the last four.", "To process the refund I'll need the last four.",
                     "Which room are you in, and can I get the last four?",
                     "Sure, I can move the appointment. Can I get the last four?"]),
)  # fmt: skip
def test_the_last_four_asked_for_beside_a_harmless_word_are_hidden(data, digits, question):
    said = digits if data.draw(st.booleans()) else say_digits(data.draw, digits)

    assert all_hidden(f"Um, {said}.", said, context=question)


@pytest.mark.parametrize(
    "question, text, value",
    [
        ("What's your address?", "I'm on Kingsley Avenue now.", "Kingsley Avenue"),
        ("What street do you live on?", "We live on Birchwood Drive.", "Birchwood Drive"),
        ("what street do you live on", "town line road", "town line road"),
        (
            "What's the house number, and how long have you been there?",
            "Fourteen twenty seven.",
            "Fourteen twenty seven",
        ),
        ("How many years at this address, and the house number?", "88.", "88"),
        ("What unit?", "4B.", "4B"),
        ("Which flat?", "7.", "7"),
        ("Unit?", "305.", "305"),
        ("", "i live in lot forty one at sunny acres", "lot forty one"),
        ("", "my trailer is in space 12 at pine acres", "space 12"),
        ("What's your email?", "maria seven at gmail", "maria seven at gmail"),
        ("What's your email?", "sue seventy one at gmail", "sue seventy one at gmail"),
        ("What's your email?", "it's sue one at gmail", "sue one at gmail"),
        ("what street do you live on", "big bear lane", "big bear lane"),
        ("what street do you live on", "long beach boulevard", "long beach boulevard"),
        ("What's the street name?", "I believe Kingsley Avenue.", "Kingsley Avenue"),
        ("What's the street name?", "Oh gosh, Kingsley Avenue.", "Kingsley Avenue"),
    ],
)
def test_an_address_said_in_a_sentence_or_after_a_short_question_is_hidden(question, text, value):
    assert all_hidden(text, value, context=question)


SPELLING_ALPHABET = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec "
    "romeo sierra tango uniform victor whiskey x-ray yankee zulu").split(), strict=True))  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from([*"ABCDEFGHJKLMNPQRSTUVWYZ", *"0123456789"]), min_size=4, max_size=8).filter(
        # A spelled code starts with a letter: "seven kilo" is a number and a word.
        lambda code: code[0].isalpha() and sum(c.isalpha() for c in code) >= 2 and any(c.isdigit() for c in code)
    ),
    st.sampled_from([" ", ", ", " - "]),
    st.booleans(),
)
def test_a_code_said_in_the_spelling_alphabet_reads_back_as_its_characters(code, separator, capitalised):
    # Not two letters that are names too and digits: "Mike, 7, Juliet, 5" are children and their ages.
    assume(spelled_in_the_alphabet([SPELLING_ALPHABET[c] for c in code if c.isalpha()]))
    letters = {c: word.capitalize() if capitalised else word for c, word in SPELLING_ALPHABET.items()}
    words = [letters[c] if c.isalpha() else DIGIT_WORDS[int(c)] for c in code]

    assert "".join(code) in normalize(f"it's {separator.join(words)}.").text


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(["'82", "82", "eighty two", "1982", "nineteen eighty two", "'75", "sixty six"]),
    st.sampled_from(["June 3rd", "june third", "September the ninth", "February 28th"]),
    st.sampled_from(["Date of birth?", "When were you born?", "Please say your date of birth.", "date of birth"]),
    st.sampled_from(["", "Uh, ", "Um, ", "It's "]),
    st.sampled_from([", ", " "]),
)
def test_a_birth_date_said_year_first_is_hidden_whole(year, date, question, lead, joint):
    text = f"{lead}{year}{joint}{date}."

    assert all_hidden(text, f"{year}{joint}{date}", context=question)


@pytest.mark.parametrize(
    "question, text, number",
    [
        ("How much was the bill?", "82, June 3rd.", "82"),
        ("When do you want the delivery and how many boxes?", "10, June 3rd.", "10"),
        ("And your date of birth?", "40, June 3rd, 1984.", "40"),
    ],
)
def test_a_number_before_a_date_that_is_no_birth_year_survives(question, text, number):
    assert not all_hidden(text, number, context=question)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("And your date of birth?", "It's the 12th of, sorry, the 21st of December, 1964.", "the 12th"),
        ("And your date of birth?", "The 4th of... sorry, the 14th of February, 1986.", "The 4th"),
        ("And your DOB?\n11/30/1959.\nI have November 30th, 1959. Is that correct?", "No, sorry, it's the 13th. "
         "November 13th.", "the 13th"),
        ("When's your birthday?", "Christmas Eve. December 24th, 1971.", "Christmas Eve"),
        ("Thank you, Dolores. And your date of birth?\nmarch\nAnd the day?", "the fourteenth", "the fourteenth"),
        ("He was born January 5th this year.\nAnd the year, just to be sure?", "2024.", "2024"),
    ],
)  # fmt: skip
def test_a_birth_date_corrected_restated_or_asked_for_in_pieces_is_hidden_in_each(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Date of birth?", "No, the nineteenth. He was born at like 2 a.m. on the nineteenth.", "nineteenth"),
        ("", "I was born on a Tuesday, March 4th, 1982.", "March 4th, 1982"),
        ("What's your date of birth?", "Tuesday, March 4th, 1982.", "March 4th, 1982"),
        ("What's your birthday?", "it's june eleventh at noon is when i was born ha", "june eleventh"),
        # A weekday or a time beside the answer to the question for it.
        ("Can I get your date of birth?", "Tuesday, March 4th, '82.", "March 4th, '82"),
        ("what's your date of birth", "march fourteenth eighty five and 2 pm works", "march fourteenth eighty five"),
        ("What's your date of birth?", "Sorry, it's 7 am here. It's 3/14/85.", "3/14/85"),
        ("And the baby's date of birth?", "May 7th, 2024, at 3:12 a.m.", "May 7th, 2024"),
    ],
)
def test_a_birth_date_said_with_a_weekday_or_a_time_is_still_hidden(context, text, value):
    assert all_hidden(text, value, context=context, everywhere=True)


@pytest.mark.parametrize(
    "context, text",
    [
        ("DOB?", "DOB, 12/25/1973. Christmas, yeah, so the party is on the 26th."),
        ("When's a good day for the delivery?", "Christmas Eve."),
        ("And your date of birth?\nJune 3rd, 1982.\nAnd the day you moved in?", "the fourteenth"),
    ],
)
def test_a_holiday_or_a_day_that_is_no_birth_date_survives(context, text):
    assert not {text[e.start : e.end] for e in redact(text, context=context).entities} - {"12/25/1973"}


@settings(max_examples=80, deadline=None)
@given(
    st.data(),
    st.integers(1, 99999),
    st.sampled_from(["", "A", "b"]),
    st.sampled_from(["What's the box number?", "Please say the box number.", "What's the mailing address?",
                     "And the address there?"]),
    st.sampled_from(["Box {}.", "It's box {}.", "PO box {}", "Rural Route 3, Box {}, Bonnyman, Kentucky.",
                     "r r three box {}"]),
)  # fmt: skip
def test_a_box_number_of_every_shape_is_hidden_with_its_letter(data, number, letter, question, template):
    said = str(number) if data.draw(st.booleans()) else say_house_number(data.draw, number)
    box = f"{said}{letter}" if said.isdigit() else f"{said} {letter}".rstrip()

    assert all_hidden(template.format(box), box, context=question)


@pytest.mark.parametrize(
    "question, text, value",
    [
        ("And the suite number?", "Suite 310. Wait, no, sorry, Suite 301.", "Suite 301"),
        ("Any unit?", "unit b twelve", "unit b twelve"),
        ("What's the house number?", "It's 123-45.", "123-45"),
        ("What's the new address?", "it's two twenty one and a half", "two twenty one and a half"),
        ("and the road?", "hickory hollow road", "hickory hollow road"),
        ("Now say the street name.", "County Road 12.", "County Road 12"),
        ("And the road is Chase Road?", "Yeah, Chase Road.", "Chase Road"),
        ("And the road?", "Old Route 9.", "Old Route 9"),
        ("which road", "old route nine", "old route nine"),
        ("I get my mail at a PO box.", "Box 1142.", "Box 1142"),
        ("It's 1600 Grant Avenue.\nAnd the suite number?\nSuite 310. Wait, no, sorry, Suite 301.", "Ha, Suite 301. "
         "And that's in San Francisco?", "Suite 301"),
        ("Please say the new drop off house number.\n2 2 1 B.", "I heard 2 2 1 B. Is that right?", "2 2 1 B"),
    ],
)  # fmt: skip
def test_a_suite_a_road_and_a_house_number_of_every_shape_answering_for_an_address_are_hidden(question, text, value):
    assert all_hidden(text, value, context=question)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("can you spell the password for me", "sure its capital m a n g o seven seven exclamation point",
         "capital m a n g o seven seven exclamation point"),
        ("Can you spell the password for me?", "K-I-W-I, 4-4, hashtag.", "K-I-W-I, 4-4, hashtag"),
        ("What's the access code for the account?", "Alpha 7 Bravo 3.", "Alpha 7 Bravo 3"),
        ("and the access code", "alpha seven bravo three", "alpha seven bravo three"),
        ("What was the make of your first car?", "Oh man. Datsun. Yeah, Datsun.", "Datsun"),
        ("What was the name of your first pet?", "Ha. Good question. I think it was Pepper.", "Pepper"),
        ("What's your favorite movie?", "Oh, wow, I forgot about that. Um, Amélie? Or maybe Spirited Away.",
         "Spirited Away"),
        ("Please check your spam folder.\noh there it is k seven m two uh k seven m two nine x",
         "I have K7M29X. That's verified.", "K7M29X"),
    ],
)  # fmt: skip
def test_a_secret_spelled_with_its_case_and_symbols_or_answered_after_a_hedge_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context, everywhere=True)


@pytest.mark.parametrize(
    "question, text",
    [
        ("What was the name of your first pet?", "I never had a pet. Next question."),
        ("What's your mother's maiden name?", "Gosh, I forgot. Sorry."),
        ("What was the name of your first pet?", "Hmm, I don't remember. Can you send a reset link instead?"),
        ("What was the name of your first pet?", "Oh man. Long story."),
        ("What was the name of your first pet?", "Hmm. Let me think. Operator."),
        ("Can you spell the password for me?", "Sure. Pound for pound the best fruit."),
    ],
)
def test_a_hedge_without_an_answer_survives(question, text):
    assert not hidden(text, context=question)


@pytest.mark.parametrize(
    "text",
    [
        "It's K-W-7-Q-T-M. Kilo, whiskey, seven, quebec, tango, mike.",
        "It's Q-J-4-8-W-R. Quebec, Juliet, 4, 8, whiskey, Romeo.",
        "alpha seven bravo three victor",
    ],
)
def test_letters_said_in_the_spelling_alphabet_are_no_names(text):
    assert all(entity.type != "PERSON" for entity in redact(text, context="What's your confirmation code?").entities)


@pytest.mark.parametrize(
    "question, text, names",
    [
        ("What's your name?", "Victor Lima.", ["Victor Lima"]),
        ("Can I get the name on the card?", "victor lima", ["victor lima"]),
        ("What are the kids' names?", "Mike, 7, Juliet, 5.", ["Mike", "Juliet"]),
        ("Who did you speak with?", "I spoke with Victor 2 days ago and Mike 3 days ago.", ["Victor", "Mike"]),
    ],
)
def test_names_that_are_words_of_the_spelling_alphabet_are_names_where_nothing_is_spelled(question, text, names):
    assert all(all_hidden(text, name, context=question) for name in names)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("For security, what was the name of your first pet?\noh gosh hang on it was a fish",
         "i want to say bubbles no wait it was captain nemo", "captain nemo"),
        ("Second, what was the make and model of your first car?\noh man it was a ford something",
         "i think ford escort", "ford escort"),
        ("What was the name of your first pet?", "its pepper", "pepper"),
        ("What city did your parents meet in?", "pune", "pune"),
        ("Is there a gate code?", "yes its star one nine nine oh", "star one nine nine oh"),
        ("What number on that street?", "yeah forty five forty three", "forty five forty three"),
        ("And what street is that on?", "rosewood court", "rosewood court"),
        ("Which street?", "Uh, it's Okafor Court.", "Okafor Court"),
    ],
)  # fmt: skip
def test_an_answer_a_turn_of_talk_after_its_question_or_to_a_question_asked_another_way_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("What was the name of your first pet?\nI'm not sure, let me ask my wife.", "You're welcome. Have a nice day."),
        ("What was the name of your first pet?\nhold on", "Thanks for waiting. Is there anything else?"),
        ("What was the name of your first pet?\nhmm let me check", "okay i found it"),
        ("What was your first pet's name?\nUm, I don't remember.", "Understood."),
        ("What's your mother's maiden name?\nlet me think", "Excellent."),
        ("Which street is the store on?", "The one by the mall."),
    ],
)
def test_talk_a_turn_after_a_question_for_a_secret_is_no_secret(context, text):
    assert not hidden(text, context=context)


# Turns of talk between a question for a secret and its answer: a question back, a hint refused,
# a first try that failed, a prompt to try again.
TALK_TURNS = [
    "oh god we had a lot of pets um is it the dog or the cat",
    "I can only say it's your first pet, as you entered it.",
    "Oh, is that the one from grade school or high school? I put in a couple.",
    "I can't give hints, but take your time.",
    "That answer does not match. Please try again.",
    "Do you want the full name or just the first word?",
    "Just as you entered it is fine.",
    "hang on let me think",
]
LATER_LEADS = ["", "try ", "Okay, then it's ", "Then just ", "i set it to ", "um i think i put ", "Okay, let's try "]


@settings(max_examples=150, deadline=None)
@given(
    SECRETS,
    st.sampled_from(SECRET_QUESTIONS[:2] + ["What was the name of your first gaming console?"]),
    st.lists(st.sampled_from(TALK_TURNS), min_size=1, max_size=3),
    st.sampled_from(LATER_LEADS),
    st.booleans(),
)
def test_the_answer_to_a_question_for_a_secret_a_few_turns_of_talk_later_is_hidden(
    words, question, talk, lead, capitalised
):
    secret = invented_secret(words, capitalised)
    context = "\n".join([question.removesuffix("Caller: ").strip(), *talk])

    assert all_hidden(f"{lead}{secret}.", secret, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        # Another value asked for in between: its answer is that value's, not the secret's.
        ("What was the name of your first pet?\nI don't remember, sorry.\nOkay. What's your ZIP code then?", "Bingo."),
        ("What's your mother's maiden name?\nhold on\nAnd what's your date of birth?", "Bingo."),
        ("What was the name of your first pet?\nUm, I don't remember.\nNo problem.", "Hello?"),
        ("What was the name of your first pet?\nlet me think\nSure.", "Nice, I found it. Sorry about that."),
    ],
)
def test_talk_turns_after_a_question_for_a_secret_or_after_another_question_is_no_secret(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Please say your voice passphrase after the tone.", "blue river under the moon", "blue river under the moon"),
        ("Please say your voice passphrase after the tone.", "At Sterling Bank, my voice confirms me.",
         "At Sterling Bank, my voice confirms me"),
        ("Welcome to Summit Federal. After the tone, please say your voice passphrase.",
         "my voice opens the door at summit", "my voice opens the door at summit"),
        ("I can re-enroll it. You'll need to say a new phrase three times.", "okay the river runs past marigold hill",
         "the river runs past marigold hill"),
        ("Sorry, I didn't catch that. Please say your passphrase again.", "Summer rain on Jordan Lake.",
         "Summer rain on Jordan Lake"),
    ],
)  # fmt: skip
def test_a_voice_passphrase_is_hidden_whole(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "text",
    ["Operator.", "i never set up a passphrase", "Sorry, can you repeat that?", "What's a passphrase?", "Um, help."],
)
def test_talk_after_a_prompt_for_a_voice_passphrase_is_no_secret(text):
    assert not hidden(text, context="Please say your voice passphrase.")


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("To verify, what month were you born?\nJune.\nAnd the day?", "The ninth. Wait, sorry, the nineteenth.",
         "the nineteenth"),
        ("To verify, what month were you born?\nJune.\nAnd the day?", "The ninth. Wait, sorry, the nineteenth.",
         "The ninth"),
        ("What year were you born?", "oh four i mean two thousand four", "oh four"),
        ("What year were you born?", "oh four i mean two thousand four", "two thousand four"),
        ("Please say your account number.", "Double 8 0 3 1 7 6 2.", "Double 8 0 3 1 7 6 2"),
        ("Last four of the account", "four four eight two thats the checking", "four four eight two"),
        ("and the last 4 of your social", "7 7 1 9", "7 7 1 9"),
    ],
)  # fmt: skip
def test_a_piece_corrected_a_digit_doubled_and_a_part_asked_for_without_a_question_mark_are_hidden(
    context, text, value
):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("last stop on the route", "it was the four forty two bus"),
        ("last time you called", "it was twenty twenty two"),
        ("What's the double room rate?", "It's double 8 percent of the base."),
    ],
)
def test_numbers_after_a_prompt_that_asks_for_no_part_of_an_identifier_survive(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("What's the service address?", "twenty four fifteen tchoupitoulas", "twenty four fifteen tchoupitoulas"),
        ("What's the service address?", "It's 2415 Tchoupitoulas.", "2415 Tchoupitoulas"),
        ("Please say the street name.", "Saint Charles.", "Saint Charles"),
        ("What street is that on?", "saint charles", "saint charles"),
        ("Any apartment number?", "apartment c its the bottom floor", "apartment c"),
        ("What's the address?", "1412 1/2 North Kinnickinnic Avenue, Rear Unit", "Rear Unit"),
        ("", "I heard 2718 Avenida de la Estrella, Suite 110, San Clemente.", "2718 Avenida de la Estrella, Suite 110"),
        ("I heard Rural Route 3, Box 118, Hickory Flat, Mississippi, 38633. Is that correct?", "Box 181.", "Box 181"),
    ],
)  # fmt: skip
def test_an_address_answered_without_its_street_s_kind_its_unit_and_its_box_corrected_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("fourteen twelve east lincoln avenue", "Thank you. Is that in Mesa?"),
        ("Please say the street name.", "I'm not sure."),
        ("Please say the street name.", "Could you repeat that?"),
        ("What street is the store on?", "The one by the mall."),
        ("Any apartment number?", "no its a house"),
        ("Any apartment number?", "apartment a few blocks down"),
        ("What's the service address?", "Same as on file."),
    ],
)
def test_talk_after_a_question_for_an_address_or_a_street_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "text, value",
    [
        ("Oh, 4/3 is his birthday. Let's do the 10th.", "4/3"),
        ("oh march fourth is my birthday actually", "march fourth"),
        ("The 12th of May was her date of birth.", "12th of May"),
    ],
)
def test_a_date_named_a_birthday_after_it_is_hidden(text, value):
    assert all_hidden(text, value)


@pytest.mark.parametrize(
    "text",
    [
        "Friday is my birthday, so can we do Monday?",
        "Your confirmation number is W as in water, 4 4 0 2 9.",
        "Your new confirmation code is D as in David, 4 4 1 7. Anything else?",
        "Order number L W 7 7 2 0 4 9, shipped Thursday.",
    ],
)
def test_a_day_named_a_birthday_and_a_business_s_code_spelled_out_survive(text):
    assert not hidden(text)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("What's the name of the street you grew up on?\nDo you want the full street or just the name?\n"
         "Just as you entered it is fine.", "Old Orchard Road.", "Old Orchard Road"),
        ("And finally, your telephone passcode?", "It's, um, blue heron 42. Wait, I changed it. It's bluebird 42.",
         "bluebird 42"),
        ("What was the make of your first car?", "Okay, then it's Pontiac. Yeah, Pontiac Sunfire, if it wants it all.",
         "Pontiac Sunfire"),
    ],
)  # fmt: skip
def test_a_secret_tried_again_after_taking_the_first_back_or_explained_after_it_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Any apartment number?", "um lot twelve b", "lot twelve b"),
        ("Is there a unit number?", "yeah its unit b like bravo", "unit b"),
    ],
)
def test_a_lot_or_unit_with_its_letter_where_a_unit_is_asked_for_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Which store?", "The one on Hunter Road."),
        ("Which branch did you visit?", "the one on martin luther king boulevard"),
        ("Where did you park?", "Uh, the one by Grant Road. It's the Grant Road station, I think."),
    ],
)
def test_a_branch_named_by_its_street_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Is there a verbal password on the account?", "yeah its georgia peach", "georgia peach"),
        ("Do you have a security word set up?", "Yes, it's Marigold.", "Marigold"),
        ("What's the password?", "It's Chase, C-H-A-S-E, then 1987, then an exclamation point.",
         "Chase, C-H-A-S-E, then 1987, then an exclamation point"),
        ("Can you spell the password?", "It was something like Georgia, capital G, then 2-0-1-9, then hashtag.",
         "Georgia, capital G, then 2-0-1-9, then hashtag"),
        ("Is there a gate code?\nYes it's 2 0 2 4 pound.\nI heard 2024. Is that right?", "No 2 0 4 2.", "2 0 4 2"),
    ],
)  # fmt: skip
def test_a_secret_given_after_yes_said_in_parts_or_corrected_after_its_read_back_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Is there a verbal password on the account?", "Yes, there is."),
        ("Do you have a passcode set up?", "yes its the one i always use"),
        ("What's the password?", "I'd log in first, then reset it, then call back."),
        ("I heard 2024. Is that the year you moved?", "No, 2042 is the unit."),
    ],
)
def test_talk_after_a_yes_or_a_then_is_no_secret(context, text):
    assert not hidden(text, context=context)


# Near-misses of the rules above, from an outside review: what a caller says after a prompt that
# names a phrase, after the talk has moved on from a secret, or in answer to a business's address.
@pytest.mark.parametrize(
    "context, text",
    [
        ("Please say a short phrase describing why you're calling.", "Dispute a charge."),
        ("Please say your voice passphrase after the tone.", "Not sure what that is."),
        ("Please say your voice passphrase after the tone.", "The phrase is on my other phone."),
        ("Please say your voice passphrase after the tone.", "Main menu."),
        ("So when you call in, you'd say your passphrase.", "Right, got it."),
        ("What's the name of your first pet?\nIt was a golden retriever we had when I was about six or seven.\n"
         "Thanks, you're verified. How can I help today?", "Billing."),
        ("What's the name of your first pet?\nI don't remember.\nLet's verify another way. "
         "What was the amount of your last payment?", "Forty two fifty."),
        ("What's the name of your first pet?\nI don't remember.\nNo problem, I can text a code to the phone on file "
         "instead.", "Text message works."),
        ("Do you know your password?", "Yes, it's complicated."),
        ("", "July 4th is our company's birthday."),
        ("", "December 25th was my birthday present delivery date."),
        ("What's the service address?", "One sec."),
        ("What's the service address?", "3 Bedrooms."),
        ("What's the service address?", "Seven Eleven Gas Station."),
        ("What's the address of the branch?", "2415 Magazine."),
        ("Please say the street name.", "Go back."),
        ("I have you at 12 Oak Street, Apartment 4.", "I received box 2 but box 3 is missing."),
        ("Which store number was it?", "9763."),
    ],
)  # fmt: skip
def test_talk_near_the_new_rules_survives(context, text):
    assert not hidden(text, context=context)


def test_a_customer_s_own_code_after_a_question_for_it_is_no_business_s_code():
    context = "What's your driver's license number?"
    text = "Reference number D as in delta 4 4 0 2 9 1 7, that's my license."

    assert all_hidden(text, "D as in delta 4 4 0 2 9 1 7", context=context)


def test_talk_after_a_secret_s_then_is_not_part_of_it():
    covered = hidden("4419, then what?", context="What's your PIN?")

    assert set(range(4)) <= covered and not covered & set(range(6, 15))


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Is there a verbal password on the account?", "Yes, georgia peach.", "georgia peach"),
        ("Is there a verbal password on the account?", "Sure do, it's georgia peach.", "georgia peach"),
        ("Is there a verbal password on the account?", "Yep, it should be georgia peach.", "georgia peach"),
        ("Please state your passphrase.", "sunshine over lake tahoe", "sunshine over lake tahoe"),
        ("", "April 3rd, which is her birthday.", "April 3rd"),
    ],
)
def test_a_secret_after_a_bare_yes_a_passphrase_stated_and_a_birthday_named_after_a_comma_are_hidden(
    context, text, value
):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Is there a verbal password on the account?", "Yes, definitely."),
        ("Is there a verbal password on the account?", "Yeah, I set one up last year."),
        ("Do you know your password?", "Yes, I do."),
        ("Do you have a passcode set up?", "yeah but i forgot it"),
        ("", "Friday, which is my birthday, works."),
    ],
)
def test_talk_after_a_yes_to_a_question_about_a_secret_survives(context, text):
    assert not hidden(text, context=context)


# --- A business's own places and numbers, and makes described --------------------------------

STREET_ADDRESSES = ["1200 Chester Avenue", "4410 North Lamar Boulevard", "twenty two ten oak street"]
BUSINESS_PLACES = [
    "Our office is at {address}, second floor.",
    "Or pick one up today at our store at {address}.",
    "Our nearest store to you is at Willow Creek Mall, {address}.",
    "The closest branch in Covington is at {address}. Say yes to choose it.",
    "The nearest pickup location is the Walgreens at {address}, open until 10 p.m.",
    "Our Hunter Road branch is at {address}, open until 5.",
    "The Chicago Passport Agency is at {address}, 18th floor.",
    "The nearest office with openings is the Secretary of State office at {address}, Thursday at 10:20 a.m.",
]
OWN_PLACES = [
    "Send it to the Garcia office at {address}.",
    "I work at the Dunmore Paper branch at {address}, that's my office.",
    "Please send it to my office at {address}.",
    "Our store can ship it to my house at {address}.",
    "I live two blocks from our nearest store, at {address}.",
    "Can the closest branch mail it to {address}?",
    "Our office has you at {address}.",
    "Our store has your address as {address}.",
    "The closest branch is at {address}, which is also my address.",
    "Our store is at {address} and we live upstairs.",
    "Our branch manager visited you at {address}.",
    "Our location is {address}, the blue house.",
    "Our pickup location is {address}.",
    "Our office is at {address}, that's also where I stay.",
    "Our office is at {address}. We stay there too.",
    "Our store at {address} is where I sleep most nights.",
]


@pytest.mark.parametrize("address", STREET_ADDRESSES)
@pytest.mark.parametrize("place", BUSINESS_PLACES)
def test_a_business_s_own_address_survives(place, address):
    assert not hidden(place.format(address=address))


@pytest.mark.parametrize("address", STREET_ADDRESSES)
@pytest.mark.parametrize("place", OWN_PLACES)
def test_an_address_someone_is_sent_to_or_lives_at_beside_a_business_is_hidden(place, address):
    text = place.format(address=address)
    assert all_hidden(text, address)


@pytest.mark.parametrize(
    "context, text",
    [
        ("What's the address of the property?", "It's 2200 Kirby Drive."),
        ("Can you tell me the address of the service location?", "2200 Kirby Drive."),
        ("Can you tell me the address of the Walmart?", "The one near 2200 Kirby Drive, where I'm staying."),
        ("What's the address of the store?", "It's 2200 Kirby Drive, that's my apartment."),
        ("What's the address of the pharmacy?", "2200 Kirby Drive, it's where grandma stays."),
    ],
)
def test_an_address_given_as_an_answer_is_hidden_whatever_place_was_asked_for(context, text):
    assert all_hidden(text, "2200 Kirby Drive", context=context)


@pytest.mark.parametrize(
    "context, text, address",
    [
        ("", "The closest branch to 45 Elm Street is at 12 Main Street.", "45 Elm Street"),
        ("", "Our store at 12 Main Street is about two miles from 45 Elm Street.", "45 Elm Street"),
        ("", "Our store is at 12 Main Street and you're at 45 Elm Street, so it's close.", "45 Elm Street"),
        ("What's the address of the store?", "12 Main Street, and the billing address is 45 Elm Street.",
         "45 Elm Street"),
        ("What's the address of the store?", "12 Main Street. Do you need the account address? It's 45 Elm Street.",
         "45 Elm Street"),
    ],
)  # fmt: skip
def test_a_person_s_address_beside_a_business_s_is_hidden(context, text, address):
    assert all_hidden(text, address, context=context)


HARMLESS_NUMBERS = ["tracking number", "serial number", "confirmation code", "order number", "ticket number"]
PERSONAL_NUMBERS = ["card", "social", "account number", "checking account"]


@pytest.mark.parametrize("said", ["6621.", "six six two one", "Um, 6 6 2 1."])
@pytest.mark.parametrize("thing", HARMLESS_NUMBERS + PERSONAL_NUMBERS)
def test_the_last_four_of_a_business_s_number_survive_and_of_one_s_own_are_hidden(thing, said):
    personal = thing in PERSONAL_NUMBERS
    for asked in (f"What are the last four digits of the {thing}?", f"last four of the {thing}"):
        assert bool(hidden(said, context=asked)) is personal, asked
    ends = f"Okay. The {thing} ends in {said.rstrip('.')}."
    assert bool(hidden(ends)) is personal


@pytest.mark.parametrize(
    "context, text",
    [
        ("", "The card I used for the order ends in 4471."),
        ("What are the last four of the order number, or the card if you don't have it?", "Card's 4471."),
        ("What are the last four of the order number?", "I don't have it, here's my card, 4471."),
        ("What are the last four of the tracking number?", "4471, sorry, that's my card."),
        ("What are the last four of the tracking number?", "4471. Wait, that's my debit."),
        ("What are the last four of the tracking number?", "4471, no that's my phone."),
        ("Can you read me the last four digits on the receipt?", "4471."),
        ("I need the last four on the reservation.", "4471."),
    ],
)
def test_the_last_four_of_a_card_near_a_business_s_number_are_hidden(context, text):
    assert all_hidden(text, "4471", context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("What year did you come into the world?", "1985."),
        ("For security purposes, what year did you graduate high school?", "2003."),
        ("When does your membership expire?\nThanks. And the expiration on the card?", "April."),
    ],
)
def test_a_birth_year_asked_another_way_a_security_year_and_a_card_s_month_after_a_membership_s_are_hidden(
    context, text
):
    assert hidden(text, context=context)


@pytest.mark.parametrize(
    "text",
    [
        "A lady backed into me, a white Ford Explorer.",
        "It's a 1984 Lincoln Town Car.",
        "It's a Georgia plate. Silver Ford Escape.",
        "Yeah, past the red Ford tractor.",
        "My 2019 Ford has the same problem.",
        "Oh, that's Biscuit's mom. She's a beagle.",
    ],
)
def test_a_make_described_by_its_colour_or_year_is_no_person(text):
    said = {text[entity.start : entity.end] for entity in redact(text).entities}
    assert not said & {"Ford", "Lincoln", "beagle"}


@pytest.mark.parametrize(
    "text, name",
    [
        ("I spoke with Grace Ford yesterday.", "Grace Ford"),
        ("Tell Mr. Ford I called.", "Ford"),
        ("In 2019 Maria Lopez opened it.", "Maria Lopez"),
        ("My name is Jordan Lincoln.", "Jordan Lincoln"),
        ("The other driver was a white Jordan Baker.", "Jordan Baker"),
        ("The suspect was a white Tyler something.", "Tyler"),
        ("The 2019 Jordan Smith case is still open.", "Jordan Smith"),
        ("A white Jennifer, from billing.", "Jennifer"),
        ("Silver Ruiz is my landlord.", "Ruiz"),
        ("The claim is for my 2021 Hargrove policy.", "Hargrove"),
        ("The driver was a white Okafor.", "Okafor"),
    ],
)
def test_a_person_named_like_a_make_is_hidden(text, name):
    assert all_hidden(text, name)


PASSPHRASE_PROMPTS = [
    "After the tone, say a new passphrase of at least five words.",
    "Sorry, your voice could not be verified. Please say your passphrase once more, in a normal voice.",
    "Your passphrase is the phrase you chose at enrollment. Please say it now.",
    "Your voice passphrase is the phrase you recorded. Please say it now.",
]


@pytest.mark.parametrize(
    "phrase", ["Harvest moon over Hunter Mountain.", "my grandmother's kitchen smelled like cinnamon"]
)
@pytest.mark.parametrize("prompt", PASSPHRASE_PROMPTS)
def test_a_passphrase_asked_for_again_or_with_its_length_is_hidden(prompt, phrase):
    assert all_hidden(phrase, phrase.rstrip("."), context=prompt)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Please say your passphrase once more, or say operator.", "Operator."),
        ("I changed my voice passphrase.\nOkay. What else can I help with?\nPlease say it again, I didn't catch that.",
         "It's about my bill, honestly."),
        ("Please say it again.", "Harvest moon over Hunter Mountain."),
        ("Your passphrase has been saved.\nPlease say the name of your pharmacy. Please say it again to confirm.",
         "Walgreens on Main."),
        ("Your passphrase is verified.\nWhat would you like to do today? Please say it again to confirm.",
         "Pay my bill."),
        ("Please say your passphrase.\nThank you. What would you like to do today?\nSorry, please say it again.",
         "Pay my bill."),
    ],
)  # fmt: skip
def test_talk_after_a_passphrase_prompt_or_a_phrase_asked_again_without_one_is_no_secret(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("I have 2209 Whitney Avenue, Apartment 3F. Is that correct?", "The apartment is 3 E as in Edward.", "3 E"),
        ("Is that an apartment?", "yes ma'am d as in david", "d as in david"),
        ("what's the unit letter", "f as in frank", "f as in frank"),
        ("What's the apartment letter?", "F as in Frank.", "F as in Frank"),
        ("What's the unit letter?", "It's M like Mary.", "M like Mary"),
    ],
)
def test_a_unit_s_letter_spelled_as_in_a_word_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "text, town",
    [
        ("I have 2209 Whitney Avenue, Apartment 3F, Hamden, Connecticut, 06518. Is that correct?", "Hamden"),
        ("4417 Hunter Ridge Drive, Apartment 2B, Hamden.", "Hamden"),
        ("Let me read that back: 1107 Kamehameha Highway, Unit 204B, Kaneohe, Hawaii 96744.", "Kaneohe"),
        ("It's 88 Pulaski Street in Covington, KY 41011.", "Covington"),
    ],
)
def test_a_town_after_a_street_address_is_no_person_and_the_address_is_hidden(text, town):
    entities = redact(text).entities
    assert all(text[entity.start : entity.end] != town for entity in entities)
    assert any(entity.type == "ADDRESS" for entity in entities)


@pytest.mark.parametrize(
    "text, name",
    [
        ("The package went to 12 Main Street, Priya Raman.", "Priya Raman"),
        ("It's 12 Main Street, Dana Whitfield speaking.", "Dana Whitfield"),
        ("My daughter at 45 Elm Street, Apartment 2B, Savannah, is on the account.", "Savannah"),
        ("45 Elm Street, Unit 4, Madison, she's my daughter.", "Madison"),
        ("I have you at 45 Elm Street, Apartment 2B, Shelby, is that right?", "Shelby"),
        ("45 Elm Street, Apartment 2B, Sydney.", "Sydney"),
        ("Ship it to 12 Oak Lane, Unit 3, Maria Lopez, Texas 75201.", "Maria Lopez"),
        ("12 Oak Lane, Unit 3, Okafor Hargrove, Texas 75201.", "Okafor Hargrove"),
    ],
)
def test_a_person_named_after_a_street_address_is_hidden(text, name):
    assert all_hidden(text, name)


MEDICINES = ["Atorvastatin", "lisinopril", "Amoxicillin", "amlodipine", "Metformin", "Omeprazole", "Gabapentin"]


@pytest.mark.parametrize("medicine", MEDICINES)
@pytest.mark.parametrize(
    "said",
    [
        "I found {medicine}, 20 milligrams, 30 tablets. Would you like to refill it?",
        "That's prescription 6044192, for {medicine}. Is that correct?",
        "is my {medicine} ready yet",
    ],
)
def test_a_medicine_is_no_person(said, medicine):
    text = said.format(medicine=medicine)
    assert medicine in redact(text).text


def test_medicine_endings_leave_listed_names_and_people_found_beside_medicines():
    from compliance.redaction.persons import MEDICINE_ENDINGS, medicine

    known = lexicon.load()
    # Each ending is shared by at most a few listed names, and none of those is read as a medicine.
    for ending in MEDICINE_ENDINGS:
        sharing = [name for name in known.given | known.family if len(name) >= 7 and name.endswith(ending)]
        assert len(sharing) <= 3, (ending, sharing[:5])
        assert not any(medicine(name, known) for name in sharing)
    text = "Is the Amoxicillin ready for Olumide Adeyemi?"
    assert all_hidden(text, "Olumide Adeyemi") and "Amoxicillin" in redact(text).text


@pytest.mark.parametrize(
    "text, name",
    [
        ("Thanks for shopping with us, Maria Lopez.", "Maria Lopez"),
        ("Thanks for shopping with Jennifer and Mark.", "Jennifer"),
    ],
)
def test_a_person_thanked_is_hidden(text, name):
    assert all_hidden(text, name)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("What street did you grow up on?\nThe one as a kid?\nYes, as a kid.", "Okay, Magnolia. Magnolia Lane.",
         "Magnolia Lane"),
        ("What was the name of your elementary school?",
         "Um, Lincoln Elementary? No. Washington. Washington Elementary.", "Washington Elementary"),
        ("What was your first car?", "It's Pontiac. Yeah, Pontiac Sunfire, if it wants the whole thing.",
         "Pontiac Sunfire"),
    ],
)  # fmt: skip
def test_a_secret_said_again_whole_is_hidden_whole(context, text, value):
    assert all_hidden(text, value, context=context, everywhere=True)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Your confirmation number is PS44091.", "PS44091. Great."),
        ("Your bill was paid last week.", "okay 125"),
        ("The game started at 7.", "ok 7 30"),
    ],
)
def test_a_number_after_talk_of_a_business_s_number_a_payment_or_a_time_survives(context, text):
    assert not hidden(text, context=context)


def test_a_security_answer_of_five_words_is_hidden():
    context = "What was the name of the hospital where you were born?\nBaptist I think.\nThat answer does not match."
    text = "Baptist Memorial Hospital Golden Triangle."
    assert all_hidden(text, "Baptist Memorial Hospital Golden Triangle", context=context)


@pytest.mark.parametrize(
    "context, text, personal",
    [
        ("Change store.\nPlease say the city for the store you'd like.", "Covington.", False),
        ("What city are you in?", "Um, Marietta.", False),
        ("What's your name?", "Marietta.", True),
        ("in what city were your parents married", "lagos", True),
        ("To verify, what's your city of birth?", "Covington.", True),
        ("Please say the city, then your last name.", "Hamilton.", True),
    ],
)
def test_a_town_said_alone_for_a_question_for_a_place_is_no_person_unless_asked_as_a_secret(context, text, personal):
    assert bool(hidden(text, context=context)) is personal


# A date asked for that is no birth's, in each of the ways an agent asks for one: one past, and
# one to come (where a year long past is no answer).
PAST_DATE_QUESTIONS = [
    "What year did you purchase the washer?",
    "what year did you buy the house",
    "What year was the roof installed?",
    "When did you get the TV, what year?",
    "What was the date of service?",
    "what year is the car",
]
DATE_TO_COME_QUESTIONS = [
    "When would you like service to start?",
    "Please say a new date.",
    "Please say the date you would like to schedule.",
    "What's the preferred delivery date?",
    "When should we start the service?",
]
EVENT_DATE_QUESTIONS = PAST_DATE_QUESTIONS + DATE_TO_COME_QUESTIONS
# The same shapes asked of a birth, or of a secret.
BIRTH_QUESTIONS = [
    "Please say your date of birth.\nSorry, I didn't understand. Please say a new date.",
    "What's your date of birth?\nSorry, I didn't catch that. What year did you buy it?",
    "What year did you get the TV? And your age?",
    "What year were you born?",
    "When were you born, what year?",
    "What year did you come into the world?",
    "When's your birthday?",
    "When did you open the account? And your date of birth?",
    "For security purposes, what year did you graduate high school?",
]
BARE_DATES = ["2009.", "nineteen ninety eight", "May 16th.", "january ninth", "Um, 2014."]


@pytest.mark.parametrize(
    "question, answer",
    [(question, answer) for question in PAST_DATE_QUESTIONS for answer in BARE_DATES]
    + [(question, answer) for question in DATE_TO_COME_QUESTIONS for answer in BARE_DATES[2:4]],
)
def test_a_date_said_for_a_question_for_another_date_than_a_birth_survives(question, answer):
    assert not hidden(answer, context=question)


@pytest.mark.parametrize("answer", ["01/15/1983.", "may sixteenth nineteen eighty four", "June 3rd, 1990."])
@pytest.mark.parametrize("question", DATE_TO_COME_QUESTIONS)
def test_a_date_long_past_said_for_a_date_to_come_is_hidden(question, answer):
    assert hidden(answer, context=question)


@pytest.mark.parametrize("answer", ["2009.", "nineteen ninety eight", "Um, 1984.", "May 16th, 1984."])
@pytest.mark.parametrize("question", BIRTH_QUESTIONS)
def test_a_year_said_for_a_question_for_a_birth_or_a_secret_is_hidden(question, answer):
    assert hidden(answer, context=question)


@pytest.mark.parametrize(
    "answer, value",
    [
        ("1962. Oh wait, that's my birth year, sorry.", "1962"),
        ("March 14th, 1979. That's my birthdate.", "March 14th, 1979"),
        ("june third nineteen ninety my birthday", "june third nineteen ninety"),
        ("1984. I mean that's the year I was born.", "1984"),
        ("Um, March 14th, 1985. I'm 39 years old, if that matters.", "March 14th, 1985"),
        ("march fourteenth nineteen eighty five i just turned forty", "march fourteenth nineteen eighty five"),
        ("march fourteenth nineteen eighty five same as my b day", "march fourteenth nineteen eighty five"),
        ("June 4th, 1985, my husband's date of death.", "June 4th, 1985"),
        ("Um, June 4th, 1985, that's our wedding date.", "June 4th, 1985"),
        ("March 14th, 1985, mi cumpleaños.", "March 14th, 1985"),
    ],
)
@pytest.mark.parametrize("question", EVENT_DATE_QUESTIONS[:4])
def test_a_date_said_for_another_date_then_named_a_birth_is_hidden(question, answer, value):
    assert all_hidden(answer, value, context=question)


BUSINESS_CODE_QUESTIONS = [
    "What's your confirmation code?",
    "Thank you for calling Bluewater Airways. May I have your confirmation code?",
    "Great, do you have the quote number?",
    "Sure thing. Can I have the reservation number?",
    "What's the tracking number?",
    "Can I have the record locator?",
    "What's the application locator number?",
    "Do you have the police report number?",
]
SPELLED_CODES = [
    "K as in kilo, 7, P, R, Q, 2.",
    "yeah it's q four four seven eight two",
    "It's, um, R as in Romeo, 4 4 7 1 9 0.",
    "b as in bill r seven seven q",
    "Sure, it's H-L-T-9-4-0. Hotel Lima Tango 9 4 0.",
    "Q7LM2X.",
]


@pytest.mark.parametrize("answer", SPELLED_CODES)
@pytest.mark.parametrize("question", BUSINESS_CODE_QUESTIONS)
def test_a_code_of_letters_and_digits_said_for_a_business_s_code_survives(question, answer):
    assert not hidden(answer, context=question)


@pytest.mark.parametrize(
    "context, text",
    [
        ("What's the application locator number?", "Um, 530118274. I sent it in last month."),
        ("Was there a police report?", "Yes. The deputy gave me report number 25-440921."),
        ("", "Your trace reference is K as in king, 4 4 1 9 0."),
        ("", "Yeah, my order number is W as in water, 4 4 0 2 9."),
        ("", "Your confirmation number is B as in boy, 7 7 3 1 0. Can I also get your date of birth?"),
        ("Can I have your zip code or the order number?", "The order number? Sure, it's 55218."),
        ("What's your PIN?", "The order number? Sure, it's 4417 2290."),
        ("", "okay so the order number is w as in water four four oh two nine and my account number is on the letter"),
    ],
)
def test_a_business_s_number_named_or_asked_for_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, values",
    [
        ("What's your member ID?", "It's 7 1 4 0 2 2 6. Or, sorry, 7 1 4 0 2 6 2.", ["7 1 4 0 2 2 6", "7 1 4 0 2 6 2"]),
        ("What's your PIN?", "It's 4 4 1 2. Sorry, 4 4 2 1.", ["4 4 1 2", "4 4 2 1"]),
        ("", "I want to transfer 500 dollars to my account 55201187.", ["55201187"]),
        ("", "I need to report my card stolen, it's 4111 1111 1111 1111.", ["4111 1111 1111 1111"]),
        ("What's your PIN?", "You mean for the record locator? 5924.", ["5924"]),
        ("", "The reference is K as in kilo, 2 1 6 6 7 4, it's my member number.", ["K as in kilo, 2 1 6 6 7 4"]),
        ("What's your zip code?", "Okay, but I'll report no problems until this is fixed. 73706.", ["73706"]),
        # A carrier's port-out transfer number is a secret, not a business's reference.
        ("Do you have the transfer number from your old carrier?", "519005", ["519005"]),
        ("", "reference K as in kilo, 1 8 0 0 5 1", ["K as in kilo, 1 8 0 0 5 1"]),
        ("", "For the transfer, the reference is 7 D J W 5 1 6. That's my plate number.", ["7 D J W 5 1 6"]),
        ("", "Your reference is 1 E G 4 T E 5 M K 7 3? No wait, that's my Medicare number.", ["1 E G 4 T E 5 M K 7 3"]),
        # A question asked back about a business's number, then the answer to the one asked.
        ("What's your PIN?", "Uh, for the order number? No, that's 4417.", ["4417"]),
        ("What's your zip code?", "Sorry, is that for the police report number? It's 29099.", ["29099"]),
        ("What's your zip code?", "Do you need the report number after? It's 11396.", ["11396"]),
        ("What's your zip code?", "Not the report number, right? Okay, 22330.", ["22330"]),
        ("And the three digit code on the back?", "Is that for the order number? It's 738.", ["738"]),
    ],
)
def test_a_person_s_number_corrected_or_beside_a_word_of_a_business_s_code_is_hidden(context, text, values):
    for value in values:
        assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Can I have your social security number please?\nit's 8 4 5 3 2 0 0", "9 5", "9 5"),
        ("Can I have your social security number please?\nyeah it's five one two seven eight four nine",
         "seven eight", "seven eight"),
    ],
)  # fmt: skip
def test_a_number_said_over_two_turns_long_after_its_question_is_hidden_in_both(context, text, value):
    assert all_hidden(text, value, context=context)


def test_a_turn_after_a_number_that_says_none_is_no_part_of_it():
    assert not hidden("I'll rebill that plan.", context="Can I have the last four of your social?\nthree one oh eight")


@pytest.mark.parametrize("answer", ["8 5 2 8 1.", "i think its six oh six one one the one downtown"])
@pytest.mark.parametrize(
    "question",
    [
        "Please say the zip code for the store you want.",
        "What's the zip code of the branch?",
        "What's the ZIP for the pharmacy you went to?",
    ],
)
def test_a_zip_code_asked_for_a_business_s_place_survives(question, answer):
    assert not hidden(answer, context=question)


@pytest.mark.parametrize("answer", ["8 5 2 8 1.", "i think its six oh six one one"])
@pytest.mark.parametrize(
    "question",
    [
        "And the zip code for that post office box?",
        "I have a P.O. box at the Elm Street post office.\nAnd the ZIP code for that post office?",
        "Thank you for calling Harbor Bank. Please say or enter your five digit PIN.",
        "Which pharmacy do you use? And the postal code on your account?",
        "What's the zip code of the branch? Or yours, if you don't know it.",
        "Which store near you? Just say the zip code for the store area you're in.",
        "Which store? And your zip?",
        "What's the zip code for the store delivery?",
        "What's the nearest store to your zip code?",
    ],
)
def test_a_zip_code_asked_for_someone_s_place_beside_a_business_is_hidden(question, answer):
    assert hidden(answer, context=question)


@pytest.mark.parametrize("answer", SPELLED_CODES)
@pytest.mark.parametrize(
    "question",
    [
        "What's your member ID?",
        "Can I have the confirmation number and your driver's license number?",
        "What's the passport number? It's on the confirmation code page.",
        "And the password?",
        "Your confirmation code is ready. Now, what's your policy number?",
    ],
)
def test_a_code_said_for_a_question_that_also_asks_for_a_person_s_identifier_is_hidden(question, answer):
    assert hidden(answer, context=question)


@pytest.mark.parametrize(
    "answer, value",
    [
        ("The one-time code is 7 X 3 Q 9 1.", "7 X 3 Q 9 1"),
        ("Passcode is 8 K 4 4 1 9.", "8 K 4 4 1 9"),
        ("D as in delta 1 2 3 4 5 6 7, that's my license, sorry.", "D as in delta 1 2 3 4 5 6 7"),
        ("M as in Mary 8 8 2 1 4 4 0 7, my member number.", "M as in Mary 8 8 2 1 4 4 0 7"),
        ("1 E G 4 T E 5 M K 7 3, that's my Medicare number.", "1 E G 4 T E 5 M K 7 3"),
        ("My EIN is 9 1 2 - 4 4 - 7 7 8 1.", "9 1 2 - 4 4 - 7 7 8 1"),
        ("Um, I don't have that, but my MRN is MR4471920.", "MR4471920"),
        ("TT4471920. That is my known traveler number.", "TT4471920"),
        ("1HGCM82633A004352. That is my VIN.", "1HGCM82633A004352"),
        ("SN4471920. That is my SNAP case number.", "SN4471920"),
        ("Um, my MileagePlus number, UA4829371.", "UA4829371"),
        ("My EIN 12-3456789.", "12-3456789"),
    ],
)
@pytest.mark.parametrize("question", BUSINESS_CODE_QUESTIONS)
def test_a_person_s_identifier_or_secret_said_for_a_business_s_code_is_hidden(question, answer, value):
    assert all_hidden(answer, value, context=question)


@pytest.mark.parametrize(
    "question, answer",
    [
        ("Can I get the address for the store you bought it from?", "Yeah, it's the Target at 4815 Kedzie Avenue."),
        ("Where is the store you shopped at?", "the one at twelve hundred market street downtown"),
        ("What's the name of the street the store is on?", "Maple. Maple Avenue, across from the high school."),
        ("Which branch do you go to?", "The one at 410 Chase Avenue."),
        ("What's the address of the store you visited?", "It was the one at 410 Chase Avenue, across from the Target."),
        ("Please say the address of the branch you visited.", "410 Chase Avenue."),
        ("Which post office did you go to?", "The one at 410 Chase Avenue."),
    ],
)  # fmt: skip
def test_an_address_given_for_a_question_for_a_business_s_place_survives(question, answer):
    assert not hidden(answer, context=question)


@pytest.mark.parametrize(
    "question, answer, address",
    [
        ("Which store should we ship it to?", "Ship it to 4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("Which pharmacy should deliver it?", "To 4815 Kedzie Avenue please.", "4815 Kedzie Avenue"),
        ("Which branch is nearest your home?", "I'm at 4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("What's the address of the store?", "4815 Kedzie Avenue, that's my apartment.", "4815 Kedzie Avenue"),
        ("Which store? And your address?", "4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("Which office did you send it to?", "It went to 4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("Which clinic? And the patient's address?", "4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("Which store? And her address?", "4815 Kedzie Avenue, Dayton, Ohio.", "4815 Kedzie Avenue"),
        ("Which office, and what's the forwarding address?", "4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("Which store location?", "The one on Market, but bill it to 4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("Which branch?", "The statement address is 4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("Which hotel did you stay at?", "I stayed at an Airbnb, 4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("Which hospital was the patient discharged to?", "4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("What's your home address?\nAnd which store?", "4815 Kedzie Avenue, and the Market one.",
         "4815 Kedzie Avenue"),
        ("Where is the store located?", "Uh, it's 4815 Kedzie Avenue, apartment 4B.", "4815 Kedzie Avenue"),
        ("Where is the store you work at?", "4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("What's the address of your office?", "4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("Which clinic, and what address should the nurse visit?", "4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("What's the address of the store you visited?", "4815 Kedzie Avenue, that's my mom's.",
         "4815 Kedzie Avenue"),
        ("Which store did you go to?", "It wasn't a store, it was 4815 Kedzie Avenue, Mom's.", "4815 Kedzie Avenue"),
        ("Where's the clinic?", "4815 Kedzie Avenue, Aunt Rosa's.", "4815 Kedzie Avenue"),
        ("The store will hold it. Please tell me where it should go instead.", "It's 4815 Kedzie Avenue.",
         "4815 Kedzie Avenue"),
        ("For the bank's records, please confirm the street and number.", "4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("Which hospital did you visit, and where were you picked up?", "4815 Kedzie Avenue, across from the Target.",
         "4815 Kedzie Avenue"),
        ("Please say the address of the branch you visited, and then your own street.", "4815 Kedzie Avenue.",
         "4815 Kedzie Avenue"),
        ("What's the address of the store you visited?", "Oh, none, the nurse came to 4815 Kedzie Avenue.",
         "4815 Kedzie Avenue"),
        ("What's the address of the store you visited?", "4815 Kedzie Avenue. That's Mom's.", "4815 Kedzie Avenue"),
        ("Where's the branch?", "4815 Kedzie Avenue, Trailer 5.", "4815 Kedzie Avenue"),
        ("Where's the branch?", "4815 Kedzie Avenue, #4.", "4815 Kedzie Avenue"),
        ("Where's the branch?", "forty two elm street space fourteen", "forty two elm street"),
        ("Where's the branch?", "PO Box 4821.", "4821"),
        ("What's your address?", "The Garcia Agency is at 4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
        ("Where should we ship it?", "The Lopez office at 4815 Kedzie Avenue.", "4815 Kedzie Avenue"),
    ],
)  # fmt: skip
def test_an_address_given_where_a_person_s_place_is_asked_about_too_is_hidden(question, answer, address):
    assert all_hidden(answer, address, context=question)


@pytest.mark.parametrize(
    "text",
    [
        "It's a Ford Pinto, no I'm kidding, it's a 2018 Ford Escape.",
        "yeah ford escort",
        "I have a Chrysler Pacifica for $22 more a day.",
        "What is the make of your vehicle? Dodge Grand Caravan.",
        "uh twenty nineteen ford ranger the hunter green one with the camper shell",
    ],
)
def test_a_make_with_one_of_its_models_survives(text):
    assert not hidden(text)


@pytest.mark.parametrize(
    "context, text, name",
    [
        ("", "I spoke with Ford Murray yesterday.", "Ford Murray"),
        ("", "The Johnson family's account is overdue.", "Johnson"),
        ("Which order?", "The Tom Whitfield sofa.", "Tom Whitfield"),
        ("What was the make and model of your first car?", "A Ford Escort.", "Ford Escort"),
        ("Is the answer to the security question still the same?", "Yeah, Chrysler Pacifica.", "Chrysler Pacifica"),
        ("Who's the account holder?", "Mercedes Durango.", "Mercedes"),
        ("Who's calling?", "This is Ford Maverick.", "Ford Maverick"),
        ("Who's calling?", "this is kia sorento", "kia sorento"),
        ("Who's the emergency contact?", "Ford Ranger.", "Ford Ranger"),
        ("Who signed for it?", "Mercedes Camry signed.", "Mercedes"),
        ("", "I spoke with Kia Forte yesterday about the claim.", "Kia Forte"),
        ("", "Can you transfer me to Kia Forte, please?", "Kia Forte"),
        ("", "The check should be made out to Toyota Sienna.", "Toyota Sienna"),
        ("", "Kia Forte here.", "Kia Forte"),
        ("", "It's Ford Pinto.", "Ford Pinto"),
        ("", "Am I speaking with Kia Forte?", "Kia Forte"),
    ],
)
def test_a_person_named_like_a_make_and_a_make_as_a_secret_are_hidden(context, text, name):
    assert all_hidden(text, name, context=context)


@pytest.mark.parametrize(
    "text, names, personal",
    [
        ("Thanks for calling Harlow and Finch. How can I help you today?", "Harlow and Finch", False),
        ("Thank you for calling Harper and Lowe, this is Jasmine.", "Harper and Lowe", False),
        ("Thanks for shopping with Hollis and Brown.", "Hollis and Brown", False),
        ("Thank you for calling Priya and Dev.", "Priya and Dev", True),
        ("Thanks for shopping with Jennifer and Mark.", "Jennifer and Mark", True),
        ("Thanks for banking with Rosa and Mark.", "Mark", True),
        ("Thanks for dining with Karen Ellis and Ben Brown.", "Ben Brown", True),
        ("Thanks for calling the Delgado and Whitfield family, this is Jasmine.", "Whitfield", True),
        ("Thanks for calling Lee and Chen! How are you both doing?", "Lee and Chen", True),
        ("Thanks for calling Harlow and Finch, this is Jasmine Harlow.", "Harlow and Finch", True),
    ],
)
def test_a_firm_greeted_as_joined_surnames_survives_and_two_people_thanked_do_not(text, names, personal):
    start = text.index(names)
    assert bool(hidden(text) & set(range(start, start + len(names)))) is personal


@given(st.text("0123456789", min_size=3, max_size=12), st.sampled_from(["", "Um, ", "It's "]))
def test_digits_said_one_by_one_and_written_with_dashes_read_as_one_number(digits, opening):
    assert digits in normalize(f"{opening}{'-'.join(digits)}.").text


@pytest.mark.parametrize("text", ["123-45-6789", "1-22-85", "The score was 9-4.", "1985-03-15", "1/2/85"])
def test_a_written_format_with_dashes_keeps_them(text):
    assert normalize(text).text == text


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("And the billing ZIP?", "Um, 9-4, uh, 1-0-7.", "9-4, uh, 1-0-7"),
        ("can you read the number on the photo page", "yeah it's one two oh four nine seven seven three eight",
         "one two oh four nine seven seven three eight"),
        ("Can maintenance go in if you're not home?", "Yes, that's fine. The lockbox on the back door is 2719.",
         "2719"),
        ("go ahead and give me the disarm code you used", "i punched in three one four one and it still went off",
         "three one four one"),
        ("Can you confirm his student ID?", "Sure, his ID is STB-20418.", "STB-20418"),
        ("", "Thank you. Your donor ID is 440917.", "440917"),
        ("Who was your service advisor last time?", "I think it was Grant? Tall guy, beard.", "Grant"),
        ("Where's the event?", "At my house, 5502 Del Mar Vista. There's a gate.", "5502 Del Mar Vista"),
    ],
)  # fmt: skip
def test_a_value_named_by_what_it_opens_or_whose_it_is_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "text", ["At my house, 2 dogs bark all night.", "At my house, 3 kids share a room.", "The score was 9-4-1."]
)
def test_a_count_after_at_my_house_and_a_score_survive(text):
    assert not hidden(text)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(100_000, 99_999_999),
    st.sampled_from(
        [
            "Your available balance is ${}.",
            "We flagged a ${} charge at Best Buy in Miami on your card.",
            "Sure, the balance is ${}.",
            "That's the card ending 5556, expiring December 2026. Your total is ${}.",
        ]
    ),
)
def test_no_part_of_an_amount_is_read_as_a_value(cents, sentence):
    amount = f"{cents // 100:,}.{cents % 100:02d}"
    text = sentence.format(amount)
    start = text.index(amount)
    covered = hidden(text, context="Yes. Oh, and can I put the final payment on a card now?")
    assert not covered & set(range(start, start + len(amount)))


@pytest.mark.parametrize("kind", ["business", "working", "calendar"])
@pytest.mark.parametrize("low, high", [("five", "seven"), ("3", "5"), ("seven", "ten")])
def test_a_count_of_days_after_talk_of_an_address_survives(kind, low, high):
    assert not hidden(f"The replacement goes to your address on file in {low} to {high} {kind} days.")


@pytest.mark.parametrize("unit", ["apartment b", "unit c", "apt d", "suite f"])
def test_a_unit_said_at_a_turn_s_end_leaves_the_address_read_back_after_it_whole(unit):
    text, context = "1405 North Lincoln Avenue, Apartment B, Pella?", f"fourteen oh five north lincoln avenue {unit}"
    assert all_hidden(text, "1405 North Lincoln Avenue, Apartment B", context=context)


@pytest.mark.parametrize("prefix", ["800", "888", "877", "866", "855", "844", "833"])
@pytest.mark.parametrize(
    "sentence",
    [
        "You can apply through the county or call 1-{}-555-0177.",
        "The PIN stays the same unless you reset it at 1-{}-555-0134.",
        "Upload it at meridianhome.com/escrow or fax it to 1-{}-555-0199, attention Escrow.",
        "For anything else, you can dial 1-{}-555-0142.",
    ],
)
def test_a_toll_free_number_given_to_be_called_survives(prefix, sentence):
    assert not hidden(sentence.format(prefix), context="Okay, thanks.")


@pytest.mark.parametrize("prefix", ["800", "888", "866"])
@pytest.mark.parametrize(
    "context, sentence",
    [
        ("What's the number to call for claims?", "You can reach claims directly at 1-{}-555-0100."),
        ("okay and if it still doesnt work do i call this number", "Yes, 1-{}-555-0199."),
        ("What's the number to call for cancellations?", "That's 1-{}-555-0142."),
        ("Okay, thanks.", "Sure, 1-{}-555-0199, option 3, Monday through Friday, 8 to 5."),
        ("Okay, thanks.", "Reach the claims team at 1-{}-555-0100, extension 4. They're open 24 hours."),
    ],
)
def test_a_toll_free_number_given_for_the_number_to_call_or_with_its_menu_or_hours_survives(prefix, context, sentence):
    assert not hidden(sentence.format(prefix), context=context)


@pytest.mark.parametrize(
    "context, text, number",
    [
        ("What's the best number to reach you?", "Call 1-877-555-0123.", "1-877-555-0123"),
        ("And a number for your office?", "You can call 1-888-555-0101.", "1-888-555-0101"),
        ("Okay.", "You can call me at 1-888-555-0101.", "1-888-555-0101"),
        ("Okay.", "You can call him at 1-888-555-0101 after six.", "1-888-555-0101"),
        ("What number should we call you at?", "1-888-555-0101.", "1-888-555-0101"),
        ("Okay.", "My business line is 1-888-555-0101, we're open Monday to Friday.", "1-888-555-0101"),
        ("What's your phone number?", "1-888-555-0101, option 3.", "1-888-555-0101"),
        ("What number should I call to cancel?", "I'll call from my cell, 1-888-555-0101.", "1-888-555-0101"),
        ("Please say the number to call when the order is ready.", "1-888-555-0101.", "1-888-555-0101"),
        ("Is this a good number to call if the driver is late?", "Yes, 1-888-555-0101.", "1-888-555-0101"),
        ("What's a good callback number?", "1-888-555-0101, Monday through Friday after five.", "1-888-555-0101"),
        ("What number should I call back on?", "1-888-555-0101.", "1-888-555-0101"),
        ("Which number do I call, the shop or the cell?", "1-888-555-0101.", "1-888-555-0101"),
        ("do i call this number back", "It's 1-888-555-0101.", "1-888-555-0101"),
    ],
)
def test_a_toll_free_number_that_is_someone_s_own_is_hidden(context, text, number):
    assert all_hidden(text, number, context=context)


@pytest.mark.parametrize(
    "text",
    [
        "There's a fiber cut near Devon and Western. Crews expect to have it fixed by 3 p.m. today.",
        "Bus 14 stops at Western and Jackson.",
        "The outage is on Halsted and Western, near the traffic light.",
        "There's construction at Lincoln and Jackson, so take the detour.",
    ],
)
def test_two_streets_named_where_they_cross_survive(text):
    assert not hidden(text, context="Okay, what's going on?")


@pytest.mark.parametrize(
    "text, name",
    [
        ("The bus dropped Kwame and Priya at the stop near Jackson's.", "Kwame"),
        ("My daughter is at Maria Gonzalez and Priya Raman's place near the bus stop.", "Maria Gonzalez"),
        ("My son Jackson waits at the bus stop near Grant Park.", "Jackson"),
    ],
)
def test_a_person_named_beside_a_place_is_still_hidden(text, name):
    assert all_hidden(text, name)


@pytest.mark.parametrize(
    "text",
    [
        "There's an opening Thursday at 10:30 at the Atlanta Passport Agency, 230 Peachtree Street.",
        "Please arrive 15 minutes early at the Heart Center, 2nd floor of the Rose Pavilion, 1968 Peachtree Road.",
        "Our counter moved to the Sky Harbor Terminal at 1805 East Sky Harbor Circle.",
        "Drop it at the Hennepin County Courthouse, 300 South 6th Street.",
    ],
)
def test_an_address_after_a_public_place_named_in_capitals_survives(text):
    assert not hidden(text, context="Okay.")


@pytest.mark.parametrize(
    "context, text, address",
    [
        ("What's your address?", "I live at the Sunrise Tower, 12 Elm Street, Apt 4.", "12 Elm Street"),
        ("Where should we send it?", "The Garcia Building, 12 Elm Street.", "12 Elm Street"),
        ("Okay.", "My mom is at the Oak Hill Nursing Center, 12 Elm Street.", "12 Elm Street"),
        ("Okay.", "We're staying at the Harbor View Hotel, 12 Elm Street, room 4.", "12 Elm Street"),
    ],
)
def test_an_address_after_a_place_someone_lives_or_is_sent_to_is_hidden(context, text, address):
    assert all_hidden(text, address, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Understood. Your case number is D as in David, 7 7 3 0 9.", "Okay, D77309. Should I cancel the card?"),
        ("Your confirmation number is W as in William, 88173.", "w eight eight one seven three okay will she get it"),
        ("Thank you. The trace number is T as in Tom, 6 6 2 1 8.", "T66218, got it."),
    ],
)
def test_a_business_s_code_said_again_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Your case number is D as in David, 7 7 3 0 9.", "And my member number is D77310.", "D77310"),
        ("Your member ID is W as in William, 88173.", "w eight eight one seven three", "w eight eight one seven three"),
    ],
)
def test_a_person_s_code_beside_a_business_s_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "text",
    [
        "You can also call the Pet Poison Helpline at 855-764-7661.",
        "The CVS on Grant Avenue in Alexandria. The pharmacy number is 703-555-0188, if that helps.",
        "All set. If she gets worse, the after-hours line is 919-555-0100.",
        "Sure, the pharmacy number is (312) 555-0147.",
    ],
)
def test_a_number_named_a_business_s_line_survives(text):
    assert not hidden(text, context="Okay, what should I do?")


@pytest.mark.parametrize(
    "context, text, number",
    [
        ("What's a good number for you?", "The office number is 919-555-0100.", "919-555-0100"),
        ("What's the best number to reach you?", "The front desk number is 919-555-0100.", "919-555-0100"),
        ("Okay.", "The home number is 919-555-0100.", "919-555-0100"),
        ("Okay.", "My pharmacy number is 919-555-0100, that's my line at work.", "919-555-0100"),
    ],
)
def test_a_person_s_own_line_named_like_a_business_s_is_hidden(context, text, number):
    assert all_hidden(text, number, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("What's your dog's name?", "Marley."),
        ("What's the name of your pet?", "It's Pepper. She's a beagle mix, about six years old."),
        ("Any pets in the home?", "Two cats and a bearded dragon named Elvis."),
        (
            "Is the rabies vaccine due?",
            "Yeah, the tag says 2023, so she's overdue I think. Her name's Rose, the collie.",
        ),
        ("Oh no. What's your cat's name?", "her name's cleopatra we call her cleo"),
        ("And your horse's name?", "Um, Duke. He's a gelding."),
    ],
)
def test_an_animal_s_name_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, name",
    [
        ("What was the name of your first pet?", "Marley.", "Marley"),
        ("What's your dog's name, and your name?", "Marley. And I'm Priya Raman.", "Priya Raman"),
        ("Eze. E-Z-E.", "Bentley Eze, the golden retriever.", "Eze"),
        ("Okay.", "Dana Whitfield, the dog walker.", "Dana Whitfield"),
        ("Say your pet's name.", "My daughter Priya named him.", "Priya"),
    ],
)
def test_a_person_named_beside_an_animal_or_a_first_pet_is_hidden(context, text, name):
    assert all_hidden(text, name, context=context)


@pytest.mark.parametrize(
    "text",
    [
        "Our Eugene and Salem offices share a line.",
        "Our Jackson office is closed for the holiday, but the Memphis office is open until 5.",
        "Thank you for calling Lincoln Financial. Para español, oprima dos.",
        "I found Kroger Pharmacy at 1350 North High Street. Is that the one?",
    ],
)
def test_a_town_s_office_a_language_menu_and_a_named_pharmacy_survive(text):
    assert not hidden(text, context="Okay, how can I help?")


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Okay.", "I work at Kroger Pharmacy at 1350 North High Street.", "1350 North High Street"),
        ("What's your date of birth?", "June 28th. We're moving soon.", "June 28th"),
        ("Okay.", "I called Dr. Jackson office yesterday.", "Jackson"),
    ],
)
def test_a_workplace_a_birth_date_and_a_doctor_s_office_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A callback number given, whoever's: a toll-free line may be a person's.
        ("What's a good callback number?", "Call back at 1-844-555-0110.", "1-844-555-0110"),
        ("Which number should the driver call?", "Call 1-800-555-0199.", "1-800-555-0199"),
        ("Okay. A contact number?", "Call 800-555-0186. That's my cell.", "800-555-0186"),
        ("Okay.", "I'm at work all day, so call (877) 555-0133.", "(877) 555-0133"),
        ("Please say the number we should call.", "call 866-555-0123", "866-555-0123"),
        ("How should we send the records?", "Fax them to 844-555-0110, attention Dana.", "844-555-0110"),
        # People beside a place, not two streets.
        ("Go ahead.", "The driver honked at Emma and Noah at the bus stop.", "Emma"),
        ("Go ahead.", "The bus stops at Western and Jennifer gets off there every day.", "Jennifer"),
        ("Where can we reach you during the outage?", "We're at Kwame and Priyas house until the street reopens.",
         "Kwame"),
        ("Okay.", "Traffic was bad and the driver got mad at Tyler and Grace Kim.", "Grace Kim"),
        # A building people live in, or an address asked for.
        ("And the billing address?", "The Marston Building at 455 Harbor Boulevard, 14th floor.",
         "455 Harbor Boulevard"),
        ("Where's the outage?", "The Riverside Plaza, 88 Elm Street, 3B, Chicago 60611.", "88 Elm Street, 3B"),
        ("Please say the service address.", "The Riverside Clinic, 1200 Lake Shore Drive, 14C.",
         "1200 Lake Shore Drive"),
        ("Where is the appointment?", "At home. The Kingsley Clinic, 1200 Lake Shore Drive.", "1200 Lake Shore Drive"),
        ("What's your home address?\nHang on.", "The Harbor Point Library, 400 College Avenue.", "400 College Avenue"),
        ("Okay.", "Our daughter lives on campus now. Westbrook College, 400 College Avenue, Room 212.",
         "400 College Avenue"),
        ("Okay.", "Delivery is to the Lakeview Hospital, 1200 Lake Shore Drive, 14C.", "1200 Lake Shore Drive"),
        # A street without its kind, then a unit or a time of day.
        ("And your address?", "I live at 1515 Sunnyvale unit b", "1515 Sunnyvale"),
        ("where should we send the technician", "i live at 3020 lakeshore am is better", "3020 lakeshore"),
        # A unit's number said after a pause, in the next turn.
        ("It's 1405 North Lincoln Avenue, apartment", "Um, 12.", "12"),
        ("1200 Kessler Street, unit, um", "14C.", "14C"),
        # A person's identifier read back "for confirmation".
        ("It's W 9 9 2 3 1 8.", "Thank you. Just for confirmation, W as in William, 9 9 2 3 1 8?",
         "W as in William, 9 9 2 3 1 8"),
        ("w nine nine two three one eight", "For confirmation, W as in William, 992318.", "W as in William, 992318"),
        ("It's W 9 9 2 3 1 8.", "Your confirmation is W as in William, 9 9 2 3 1 8, is that right?",
         "W as in William, 9 9 2 3 1 8"),
        ("Your confirmation number is H as in Henry, 5 5 1 2 0 8.", "Wait, that's my member ID, H551208.", "H551208"),
        # A person's line named like a business's, or given to be called back on.
        ("Will you be home during the outage?",
         "No, we're staying with my daughter in Dayton. The number there is 937-555-0142.", "937-555-0142"),
        ("Emergency contact?", "The emergency number is 404-555-0178. She's my sister.", "404-555-0178"),
        ("Will anyone be at the house?", "The nurse line is 614-555-0132.", "614-555-0132"),
        ("Is there a landline?", "The number there is 614-555-0132. My mom picks up.", "614-555-0132"),
        ("Anything else?", "Call 866-4417.", "866-4417"),
        ("Anything else I should note?", "Please call 800-555-0186 when the part comes in.", "800-555-0186"),
        ("Can we leave a voicemail?", "Yes. Call 1-855-555-0177 and leave a message.", "1-855-555-0177"),
        # People beside a street, or with a pet.
        ("Who's on the account?", "The account for the house on Maple Street is on Mark and Jennifer.", "Jennifer"),
        ("Where can we reach you during the outage?", "During the outage we're staying at Emma and Noahs.", "Emma"),
        ("What's the name of the dog's owner?", "It's Dana.", "Dana"),
        ("Can I have your name and your pet's name?", "Dana and Max.", "Dana"),
        ("To confirm it's you, what's your pet's name?", "Rufus.", "Rufus"),
        ("For the account challenge, what's your dog's name?", "Oh, it's Bella.", "Bella"),
        ("To access the account, please say your pet's name.", "Rufus.", "Rufus"),
        ("Say your pet's name.", "Marley.", "Marley"),
        ("Go ahead.", "Yeah, the emergency line is (312) 555-0184.", "(312) 555-0184"),
        ("How was the service?", "Brian is a pig, he hung up on me.", "Brian"),
        # A home named like a business, a name like a language or a town's office.
        ("Where will you be?", "The Harbor Clinic, 220 Front Street.", "220 Front Street"),
        ("Please say the location of the service.", "Harbor Station, 1200 Main Street.", "1200 Main Street"),
        ("Okay.", "Lakeview Bakery, 12 Main Street, upstairs.", "12 Main Street"),
        ("What's your name?", "Ana Francais.", "Ana"),
        ("Where are you calling from?", "Our Dana office is closed.", "Dana"),
        # A birth date asked for, after talk of an event; a last four written as a number.
        ("Date of birth?", "Closing my account. It's 3/3/1951.", "3/3/1951"),
        ("What's your date of birth?", "I just paid the balance, it's March 3rd, 1961.", "March 3rd, 1961"),
        ("Last four of your social, please.", "Um, it's 6,789. The bill was $2,316.40.", "6,789"),
        # A unit's number said after a pause, after its letter.
        ("I'm at 88 Elm Street, apartment B", "12, on the second floor.", "12"),
    ],
)  # fmt: skip
def test_a_value_beside_what_makes_a_business_s_or_a_place_harmless_is_still_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Would a rollover IRA work instead?", "Oh. Okay, let's do the rollover IRA then."),
        ("Do you have any allergies to medications?", "Just Bactrim. It gave me a rash."),
        ("any allergies to medications", "penicillin and sulfa i think sulfa"),
        ("What's the model number on the back of the washer?", "It's WF45R6100AW."),
        ("Yep.", "Or you can pick one up today at our store at 201 South Tryon Street."),
        ("Can you tell me where your office is?",
         "Sure. We're at 1200 Market Street, Suite 400, right across from City Hall. Our main line is 1-800-555-0134."),
        ("yep", "Great. We're at 2210 Hollis Avenue. We close at nine."),
    ],
)  # fmt: skip
def test_an_interjection_a_medicine_a_thing_s_model_and_a_business_s_place_survive(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("And your last name?", "Oh.", "Oh"),
        ("What medications are you on, and who prescribed them?", "Dr. Okafor put me on lisinopril.", "Okafor"),
        ("Any allergies, and who's your emergency contact?", "None. Priya.", "Priya"),
        ("What's the three digit code on the back of the card?", "It's 412.", "412"),
        ("Where should the technician go?", "We're at 12 Elm Street, we're open to any time Monday.", "12 Elm Street"),
        ("Okay.", "We're at 12 Elm Street, apartment 4, after 5 p.m. is best.", "12 Elm Street"),
        ("Okay.", "we're at one hundred jackson street suite four hundred", "one hundred jackson street"),
    ],
)
def test_a_name_a_card_s_code_and_a_home_said_the_same_way_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Okay.", "Their number is 1-800-555-0100, just call them anytime."),
        ("Where are you located?", "Our office is at 400 Main Street."),
        ("Okay.", "Our warehouse at 45 Elm Street ships orders daily."),
        ("What's the address of your Columbus branch?", "Our Columbus branch is at 400 Main Street."),
    ],
)
def test_a_business_telling_where_it_is_or_its_line_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("What's the last name on the prescription?", "Nguyen.", "Nguyen"),
        ("Who prescribed it?", "Okafor prescribed it.", "Okafor"),
        ("Do you take any medications?", "Metformin. And my wife, Oyelaran, takes insulin.", "Oyelaran"),
        ("Could I get your surname?", "Oh.", "Oh"),
        ("And you are?", "Huh... H-U-H.", "Huh"),
        ("Where should the tow truck meet you?", "We're at 6 Quarry Hill Road. The gate closes at nine.",
         "6 Quarry Hill Road"),
        ("Okay.", "I need to move my service. Verification: 8/14/77.", "8/14/77"),
        ("Okay.", "I spoke to Liam, the Aussie.", "Liam"),
    ],
)  # fmt: skip
def test_a_name_a_home_and_a_birth_date_beside_a_medicine_an_interjection_a_business_s_hours_are_hidden(
    context, text, value
):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Okay.", "You can reach us at 1-800-555-0100. That's our main line."),
        ("What's the clinic's address?", "Our office is at 100 Main Street, Room 212."),
        ("Address?", "Our shop is at 12 Oak Road."),
    ],
)
def test_a_business_s_line_and_place_said_with_our_survive(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A value chosen after the question, across the caller's own question back.
        ("What would you like your new PIN to be?", "Hmm, does it need six digits? No? Okay, let's do 7302.", "7302"),
        ("Please choose a four digit passcode.", "Alright, let's go with 0 4 6 1.", "0 4 6 1"),
        # A new secret asked of with "it", the turn after the caller names it.
        ("I'd like to reset my password.\nOf course. What would you like it to be?", "Maple tree 9.", "Maple tree 9"),
        ("Can I set up a new voice password?\nSure. What do you want it to be?", "purple giraffe", "purple giraffe"),
        ("can we change the verbal password\nyeah what do you want it to be", "purple monkey", "purple monkey"),
        ("ok whats the new pin going to be", "ill go with three three eight one", "three three eight one"),
        # A child's date of birth said with "he's" or "she's", paused, after talk of an age.
        ("I'll also need Noor's date of birth, since she's under 12 for the child fare.",
         "Yeah, she's, uh, March 3rd, 2019.", "March 3rd, 2019"),
        # A relation's name, the relation in-law, the name an everyday word.
        ("Okay.", "my brother in law rusty took the truck", "rusty"),
        ("Okay.", "Well, my father-in-law Rusty handled the account.", "Rusty"),
        # A home said with "now" after its town.
        ("Is your address still 4 Pine Street?", "No, I'm at 90 Birch Lane, Salem, Oregon now.",
         "90 Birch Lane, Salem, Oregon"),
    ],
)  # fmt: skip
def test_a_chosen_code_a_secret_asked_of_it_an_in_law_s_name_and_a_home_now_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Which day works for the visit, the 3rd or the 10th?", "Let's do the 10th."),
        ("Which day works, the 21st or the 28th?", "Let's do the 21st."),
        ("Which card, and how much?", "The Visa. How about 325?"),
        ("What's the new credit limit you'd like?", "Make it 5000."),
        ("My PIN isn't working.\nWhat card is it for?", "The Visa."),
        ("what is your wifes birth year", "shes forty two"),
        ("Can I change my password?\nSure. What would you like it to be?", "Actually, never mind, I'll keep it."),
        ("Who else lives there?", "my son just moved out"),
        ("Okay.", "My brother-in-law said it was fine."),
        ("How many people are in the household?", "Let's say four."),
    ],
)
def test_a_day_chosen_a_secret_kept_and_a_relation_with_no_name_survive(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # Whom an appointment is with, a first name that is an everyday word.
        ("Okay.", "Great, your consultation with Dawn is set for Monday at 2.", "Dawn"),
        ("Okay.", "Your appointment with, um, Grant is on Friday.", "Grant"),
        # Who will see the caller in person, opening the sentence.
        ("Okay.", "Perfect. Grant will see you at the front desk.", "Grant"),
        ("Thanks.", "Summer will be your nurse today.", "Summer"),
    ],
)
def test_whom_an_appointment_is_with_and_who_will_see_the_caller_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("When does it post?", "It applies to Monday's deposit, not Friday's."),
        ("It's on file.", "And your date of birth, honey?"),
        ("It's Kofi Mensah.", "Okay, hon, and your name again, dear?"),
        ("Okay.", "Your appointment with Verizon is at 10 tomorrow."),
        ("Okay.", "Sunday will be busy, so come early."),
        # What a firm does too, and firms booked or met with.
        ("Okay.", "Chase will call you about the loan."),
        ("Okay.", "Summer will be over before the refund comes."),
        ("Okay.", "I have a meeting with Chase about my mortgage."),
        ("Okay.", "I'm scheduled with Delta for the 5th."),
        ("Okay.", "My consultation with Liberty Mutual went fine."),
        ("okay", "my appointment with chase is at the branch on main"),
    ],
)
def test_a_weekday_s_possessive_an_endearment_and_a_firm_booked_with_survive(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A misread start broken off before the value said whole.
        (
            "And your license number for the rental?",
            "It's Ohio, 3 9 1 2... hold on, I'm reading it upside down. 6 1 4 0 2 7 7 5.",
            "3 9 1 2",
        ),
        # A letter spelled "as in" a word with a comma, then the digits.
        ("What's the license number?", "B, as in boy, 7 2 0 4 4 1 9.", "B, as in boy, 7 2 0 4 4 1 9"),
        # An expiry corrected, and read back, with its month.
        ("When does the card expire?", "It's, uh... 4 of 27. No, wait, 4 of 28, it's the new one.", "4 of 28"),
        ("October 2029.", "Thanks, October 2029. And the security code?", "October 2029"),
        # A card given turns before makes a date asked for its expiry.
        ("4111 1111 1111 1111.", "Thanks. And what date is on there? Oh I see it, 07/28.", "07/28"),
        ("Which card?", "The one that ends on 4 4 7 1.", "4 4 7 1"),
        ("And the kids' dates of birth?", "They're 5/5/2015.", "5/5/2015"),
        # Two names answering a prompt for a person that ends without its question mark.
        ("Who can pick up the package.", "Faith or Mason.", "Faith"),
        ("Who can pick up the package.", "Faith or Mason.", "Mason"),
    ],
)
def test_a_misread_start_a_letter_as_in_an_expiry_corrected_and_two_names_offered_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


def test_a_misread_spelled_start_is_hidden_whatever_else_reads_it():
    text = "Sure, um, it's M-A... no, sorry, it's M-E-5-5-0-2-1-9."
    found = redact(text, context="I need your passport number for the record.").entities
    assert {(entity.type, text[entity.start : entity.end]) for entity in found} >= {("PASSPORT", "M-A")}


@pytest.mark.parametrize(
    "context, text",
    [
        ("Say the date you'd like to check in.", "March 28."),
        ("What date was the delivery?", "05/21. Around noon."),
        ("what time works", "anytime my shift ends at four fifteen"),
        ("Please say the serial number on the side of the unit.", "4 4 0 2."),
        ("Please say the three digit store number on your receipt.", "2 1 7."),
        ("Please say the ticket number from the call you made yesterday.", "T K T 0 0 5 5 1 8 2."),
        ("So the expiration is 09/27?", "Oh, no, it's 0 9 / 2 8."),
        ("Who do you bank with.", "Chase or Ally."),
        ("Who is the lender on the car.", "Ally."),
        ("Okay.", "Order 5 5 1 2... no wait, that's the order number."),
        ("Okay.", "We've been customers since 2019... hold on."),
    ],
)
def test_a_date_to_come_a_time_a_business_s_code_asked_with_its_details_and_an_interjection_survive(context, text):
    found = hidden(text, context=context)
    kept = text.split(",")[0] if text.startswith("Oh") else text
    assert not found & set(range(len(kept)))


@pytest.mark.parametrize(
    "context, text",
    [
        # A business's place, what is brought or sent there said before it, or its hours after it.
        ("Okay.", "Please bring your pay stubs and your ID to our office at 310 Cedar Avenue by Friday."),
        ("Okay.", "Send your signed form by certified mail to our office at 88 Harbor Plaza, Suite 1200."),
        ("Where's the nearest branch?", "Our Elm Street branch is at 220 Elm Street, and it's open until 6 daily."),
        # A breed that holds a name, after an article.
        ("what kind of dog is she", "a jack russell mix her name is pepper"),
        ("Who's the patient today?", "Biscuit, my Saint Bernard. He's limping."),
    ],
)
def test_a_business_s_place_with_what_is_sent_there_and_a_breed_holding_a_name_survive(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Okay.", "My neighbor Jack Russell has a spare key.", "Jack Russell"),
        ("Okay.", "My wife Honey handles the bills.", "Honey"),
        ("Okay.", "Is this Mrs. Darling?", "Darling"),
        ("Okay.", "My son Buddy called you yesterday.", "Buddy"),
        ("Okay.", "Our office is at 400 Main Street, and it's where I live too.", "400 Main Street"),
        ("Okay.", "Send the form to our office at 4 Elm Street, my home is at 9 Oak Street.", "9 Oak Street"),
    ],
)
def test_a_person_named_like_a_breed_and_a_home_beside_a_business_s_place_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Can you tell me your residential address?", "thirty one twenty north las palmas verdes unit four b"),
        ("What's your home address?", "fifty five ten south rancho santa fe apartment nine"),
    ],
)
def test_a_street_of_three_words_without_its_kind_before_a_unit_is_hidden_whole(context, text):
    assert all_hidden(text, text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A passphrase of common words, asked for with or without a question mark.
        (
            "Can you please say your voice passphrase?",
            "my voice is my key at lakeside",
            "my voice is my key at lakeside",
        ),
        ("Please say your voice passphrase.", "My voice is my password.", "My voice is my password"),
        ("Please say your account security phrase.", "Rain over the old harbor.", "Rain over the old harbor"),
        # A favourite of any kind asked as a security question.
        ("What was your father's favorite drink?", "root beer", "root beer"),
        ("And your favorite season?", "Autumn.", "Autumn"),
    ],
)
def test_a_passphrase_of_common_words_and_a_favourite_asked_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Please say your voice passphrase.", "I don't think I ever set one up."),
        ("Please say your voice passphrase.", "It's on my other phone, hold on."),
        ("What's your favorite way to pay?", "Card, usually."),
        ("What's your favorite day to come in?", "Tuesday works."),
    ],
)
def test_talk_about_a_passphrase_and_a_favourite_way_survive(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # Another answer tried after the first was refused.
        ("What was the name of your first pet?\nRex.\nHmm, that's not what I have.", "Then it's the cat. Mittens.",
         "Mittens"),
        ("What street did you grow up on?\nTry Elm?\nThat doesn't match, sorry.", "Okay, um, Birchwood.", "Birchwood"),
        # A secret with a tag of talk after it, in raw speech.
        ("whats your favorite sports team", "the packers who else", "packers"),
        ("whats your mothers maiden name", "adeyemi i think", "adeyemi"),
    ],
)  # fmt: skip
def test_another_try_after_a_refusal_and_a_secret_with_a_tag_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


def test_the_turn_after_an_accepted_answer_is_no_try():
    context = "What was the name of your first pet?\nRex.\nThat's correct, thank you. How can I help?"
    assert not hidden("I need to reset my password.", context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # The town after a street: after a pause, an abbreviation, three words, or a word in capitals before a ZIP.
        ("Your mailing address?", "It's 12 Birch Hollow Lane, uh, Roswell, Georgia, 30075.", "Roswell, Georgia"),
        ("Okay.", "I'm at 77 Pine Street, Apt 2, St. Paul, 55102.", "St. Paul"),
        ("And your address?", "9 Harbor Lane, Bay Saint Louis, Mississippi, 39520.", "Bay Saint Louis, Mississippi"),
        ("What's the new address?", "301 Cedar Court, Lakeview, 29601.", "Lakeview"),
        ("Ship it to me.", "400 Peachtree Street, Ground Floor, 30318, thanks.", "400 Peachtree Street"),
    ],
)
def test_a_town_after_a_street_paused_abbreviated_long_or_an_everyday_word_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A first name's possessive, of a record or a value of the person's, or of what they are doing.
        ("Okay.", "Great. And Tomasz's date of birth?", "Tomasz"),
        ("Okay.", "Yours ends in 2207 and Ngozi's in 4419?", "Ngozi"),
        ("Okay.", "I see Oluwaseun's notes from Tuesday.", "Oluwaseun"),
        ("Okay.", "Sure, Kwame's working on it right now.", "Kwame"),
        # Someone remembered.
        ("Okay.", "Thank you for your gift in memory of Frank.", "Frank"),
    ],
)
def test_a_first_name_s_possessive_of_a_record_and_someone_remembered_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Okay.", "It's Johnson & Johnson's policy that refunds go back to the card."),
        ("What's the charge?", 'It says "Trader Joe\'s 552, Phoenix" for $64.20.'),
        ("Okay.", "The Chase app shows May's bill as paid."),
    ],
)
def test_a_business_s_possessive_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value, kind",
    [
        ("Can I get a callback number?", "Yeah, it's 312... 312-555-0176.", "312-555-0176", "PHONE"),
        ("What's your Social?", "Um, it's 5 0 9... 5 0 9 4 4 1 2 7 8.", "5 0 9 4 4 1 2 7 8", "SSN"),
    ],
)
def test_a_value_begun_and_said_again_whole_is_read_as_itself(context, text, value, kind):
    start = text.index(value)
    found = redact(text, context=context).entities
    assert all_hidden(text, value, context=context)
    assert any(entity.type == kind and entity.start <= start < entity.end for entity in found)


@pytest.mark.parametrize(
    "context, text",
    [
        # Found by an outside review: talk after a prompt for a passphrase, and prompts asked by the caller.
        ("Please say your voice passphrase after the tone.", "Okay, whatever works for you."),
        ("Please say your voice passphrase after the tone.", "Customer service please."),
        ("Do I need to say the voice passphrase?", "Correct, the system uses it to verify you."),
        ("please say your passphrase", "honestly it's been a long time"),
        # A favourite that is no security question.
        ("What's your favorite payment method?", "Credit card."),
        # A reaction to a refusal, and a refusal of another value.
        ("What was your first pet's name?\nRex.\nThat doesn't match.", "Weird."),
        ("What was your first pet's name?\nRex.\nYour zip doesn't match, though.", "Downtown."),
        # A brand's possessive, and a store's distance.
        ("Okay.", "Chase's checking account is overdrawn again."),
        ("Okay.", "Trader Joe's address is on the receipt."),
        ("Okay.", "Sam's is 10 minutes away."),
        ("Okay.", "We donate in honor of Pride month."),
    ],
)
def test_what_an_outside_review_found_newly_hidden_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, kept",
    [
        # Talk before a ZIP code is no town, and what is no street before a unit stays.
        ("Address?", "It's 12 Oak Drive, uh, Perfect, 30318 is right.", "Perfect"),
        ("What can I help with?", "Channel 45 Fox keeps freezing apartment 3.", "45 Fox keeps freezing"),
    ],
)
def test_talk_beside_an_address_s_parts_survives(context, text, kept):
    start = text.index(kept)
    assert not hidden(text, context=context) & set(range(start, start + len(kept)))


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Okay.", "Please text Wendy's cell, she's my wife.", "Wendy"),
        ("Who is the account holder?", "It's under denny's account my husband", "denny"),
        ("Okay.", "I heard Rural Route 3, Box 118, Hickory Flat, Mississippi, 38633.", "Hickory Flat, Mississippi"),
        ("what was your first pets name", "rocky i think", "rocky"),
    ],
)
def test_what_an_outside_review_found_newly_shown_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # Whom the caller asks for, with where they work after the name.
        ("Say the name of the person you'd like to reach.", "Grant in accounting.", "Grant"),
        ("Who would you like to speak with?", "Joy from billing, please.", "Joy"),
    ],
)
def test_a_name_asked_for_with_where_they_work_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Who would you like to speak with?", "Someone in billing."),
        ("Who's the neighbour with the key?", "She's in the unit next to mine."),
        ("Which department?", "Billing, please."),
    ],
)
def test_a_department_or_a_pronoun_asked_for_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # What a secret was put down as or set to, after talk that no pause or stop ends.
        ("One more security question: what was your childhood nickname?",
         "oh wow nobody calls me that anymore i think i put sunny", "sunny"),
        ("Can I get the member number and the security word?",
         "its four four one two and uh my husband set it to marigold", "marigold"),
        # Chosen for a new secret, with talk after it, the question in the same turn as the secret's name.
        ("Would you like a verbal password on the account?", "Sure, make it copper kettle.", "copper kettle"),
        ("For anyone else picking up, we use a pickup password. What would you like it to be?",
         "um lets do purple moose", "purple moose"),
    ],
)  # fmt: skip
def test_a_secret_put_down_set_or_chosen_after_talk_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("What's the passcode on the account?", "I set it years ago and never wrote it down."),
        ("What was your first pet's name?", "Oh, I think I picked the teacher question instead."),
        ("Can I change my password over the phone?", "You can set it yourself on the login page."),
        ("Would you like a verbal password? What would you like it to be?", "Um, let's do it later, I'm driving."),
    ],
)
def test_talk_of_setting_or_choosing_a_secret_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A town read back with its street, asked to be checked.
        ("Let me confirm the mailing address.", "Is 19 Orchard Lane, Unit 2, Burlington still correct?",
         "19 Orchard Lane, Unit 2, Burlington"),
        # A room after a street is a unit, and the town after it the address's.
        ("Where should we send it?", "Send it to 340 College Avenue, Room 212, Ithaca, 14850.",
         "340 College Avenue, Room 212, Ithaca"),
    ],
)  # fmt: skip
def test_a_town_asked_to_be_checked_and_a_room_after_a_street_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A turn with no capital at all after a formatted question for a name is raw speech, however
        # the question capitalises its words.
        ("Welcome to Harbor Dental, this is Megan. Can I get the patient's name and birthday?",
         "his names sione vaipulu and hes six", "sione vaipulu"),
        ("Great, Dr. Okafor has Tuesday open. And your name?", "sione vaipulu im his dad", "sione vaipulu"),
    ],
)  # fmt: skip
def test_a_raw_answer_to_a_formatted_question_for_a_name_is_read_as_raw(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Perfect, the Blue Room on Friday. And what name is it under?", "um hold on let me ask my husband"),
        ("Thanks for calling Keystone Mutual claims. First, is everyone safe and is anyone injured?",
         "yeah everybodys fine just a fender bender at the costco"),
    ],
)  # fmt: skip
def test_a_raw_answer_that_gives_no_name_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A first name an everyday word bears too, thanked or bidden goodbye at the end of a raw turn.
        ("The refund posts in three to five days. Thank you for your patience, Ms. Lee.", "okay great bye hope",
         "hope"),
        ("Your $50 gift is processed. Thank you so much, Mark.", "no worries take care dawn", "dawn"),
    ],
)  # fmt: skip
def test_a_first_name_thanked_at_the_end_of_a_turn_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Anything else today?", "nope thats it thanks man"),
        ("Anything else today?", "no thanks again bye"),
        ("Anything else today?", "Nope. Thanks, everyone!"),
        ("You're all set.", "perfect thanks buddy"),
        ("You're all set.", "ok thank you will do"),
    ],
)
def test_what_anyone_is_called_in_thanks_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, date, after, kind",
    [
        ("I'll need your date of birth and your social.", "Sure. October 2nd, 1977, 318 22 4410.",
         "October 2nd, 1977", "318 22 4410", "SSN"),
        ("Date of birth and Social Security number?", "Yeah, March 14th, 1969, 227 41 0386.", "March 14th, 1969",
         "227 41 0386", "SSN"),
    ],
)  # fmt: skip
def test_a_date_s_year_is_not_joined_to_the_number_said_after_it(context, text, date, after, kind):
    said = f"{context}\n{text}"
    found = {(entity, said[start:end]) for entity, start, end, _ in scan(said)}

    assert ("DATE_OF_BIRTH", date) in found
    assert (kind, after) in found
    assert not any(date in value and after in value for _, value in found)  # the year and the number, one value


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A bare answer with the next value said after it by its name.
        ("And the house number?", "oh um forty four ten and the zip is six oh six one four", "forty four ten"),
        ("What's the security code on the back?", "3 1 7, and the zip is 94110.", "3 1 7"),
    ],
)
def test_a_bare_answer_before_another_value_said_with_its_name_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


def test_a_count_before_another_value_said_with_its_name_survives():
    text = "four and the zip is three oh three oh six"

    assert not hidden(text, context="How many people live at the address?") & set(range(len("four")))


@pytest.mark.parametrize(
    "text, name, word",
    [
        ("Dr. Ramaswamy will see you in about ten minutes.", "Ramaswamy", "will"),
        ("Mr. Whitlock may call you back this afternoon.", "Whitlock", "may"),
        ("Great, Dr. Okonjo has an opening on Thursday.", "Okonjo", "has"),
        ("She'll be in Ms. Fairbanks's class this year.", "Fairbanks", "class"),
    ],
)
def test_a_lowercase_word_after_a_titled_name_in_formatted_text_is_not_part_of_it(text, name, word):
    covered = hidden(text)
    start = text.index(name)
    after = text.index(f" {word}", start) + 1

    assert all(position in covered for position in range(start, start + len(name)))
    assert not covered & set(range(after, after + len(word)))


def test_a_rare_surname_in_lowercase_in_a_formatted_turn_is_no_name():
    context = "We have the trays for $60. Anything else for Saturday's order?"

    assert not hidden("Yes, the lasagna and a chicken parm, and the garlic knots.", context=context)


def test_a_rare_surname_in_a_raw_turn_after_a_formatted_one_is_still_a_name():
    context = "Thank you. I see a round trip from Atlanta to Lisbon on June 12th. Is this Mr. Hollings?"

    assert all_hidden("yeah warren hollings", "hollings", context=context)


@pytest.mark.parametrize(
    "text",
    [
        "I can move you down to Basic for $9.99 a month.",
        "Honestly I'd switch to Standard, the ads don't bother me.",
        "You're on Unlimited now, and Starter is $15 less.",
    ],
)
def test_a_plan_s_level_that_is_also_a_name_survives(text):
    assert not hidden(text, context="Is there a cheaper plan?")


@pytest.mark.parametrize(
    "text, kept, name",
    [
        ("Send it to Boise State, the registrar, attention Mr. Okonkwo.", "Boise State", "Okonkwo"),
        ("She transferred to Fresno State last fall, so the aid goes there now.", "Fresno State", None),
    ],
)
def test_a_university_named_after_a_place_survives(text, kept, name):
    covered = hidden(text)
    start = text.index(kept)

    assert not covered & set(range(start, start + len(kept)))
    assert name is None or all_hidden(text, name)


@pytest.mark.parametrize(
    "context, text",
    [
        ("And a number for the driver?\n312 555 0177.",
         "Booked. Your order number is K 4410, and the Elgin warehouse's number is 847-555-0123 if plans change."),
        ("How do I know this call is really from the bank?",
         "Fair question. Hang up and call the number on the back of your card, 1-800-555-0199, and ask for fraud."),
    ],
)  # fmt: skip
def test_a_business_s_place_s_line_and_the_card_issuer_s_survive(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("What's the best number for you?", "It's my cell, 312-555-0143.", "312-555-0143"),
        ("What's your number?", "The number on the back of my card? No, my cell is 1-800-555-0144.", "1-800-555-0144"),
    ],
)
def test_a_person_s_line_beside_a_business_s_words_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Whose name is the file under?", "I have it under Anita Price, client number 4 4 1 0 9 2.", "4 4 1 0 9 2"),
        ("And the policy?", "It's in Mr. Case's name, policy number 7 7 3 1 0 8 4.", "7 7 3 1 0 8 4"),
    ],
)
def test_a_surname_that_is_a_word_of_amounts_or_codes_makes_no_number_harmless(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A first name that is also a word, after "it's" before a surname no English word is.
        ("Can I get your name for the order?", "its bill okonjo and its for pickup", "bill okonjo"),
        ("And your full name?", "its santiago ruiz castillo", "santiago ruiz castillo"),
    ],
)
def test_a_first_name_after_it_s_before_a_surname_is_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


def test_a_word_after_it_s_before_everyday_words_survives():
    assert not hidden("its bill payment stuff mostly", context="What can I help you with?")


@pytest.mark.parametrize(
    "text, value",
    [
        ("from nineteen oh four maple ridge drive apartment two oh one raleigh to six ten birch lane",
         "nineteen oh four maple ridge drive apartment two oh one raleigh"),
        ("from twelve forty cedar court apartment three b tulsa to eight oh one elm street",
         "twelve forty cedar court apartment three b tulsa"),
    ],
)  # fmt: skip
def test_a_town_after_a_street_before_the_next_address_is_hidden(text, value):
    assert all_hidden(text, value, context="Where are you moving from?")


@pytest.mark.parametrize(
    "context, text",
    [
        ("Sure. The member number, and the PIN is 4 4 0 9.", "Perfect. Anything else?"),
        ("okay the account is five five one two and the pin is six one oh three", "Close. You missed a digit."),
    ],
)
def test_the_turn_after_a_secret_said_with_its_name_is_no_answer(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        (
            "Would you like to add a verbal password to your account?",
            "No thanks, I'll go with text message verification.",
        ),
        ("Do you want to change your password?", "Yes, make it quick please, I'm on my lunch break."),
        ("what would you like the new password to be", "um lets do text verification instead"),
        ("What are you calling about?", "The FedEx Tracking number is 7789 4455 1122."),
        ("How are you paying?", "its bill venmo"),
        ("How are you paying?", "it's chase zelle"),
        ("anything else i can help with", "no thats it thanks doc"),
        ("anything else", "okay bye babe"),
    ],
)
def test_talk_near_a_secret_s_question_a_brand_s_code_and_thanks_survive(context, text):
    assert not hidden(text, context=context)


def test_a_business_s_code_before_another_value_said_with_its_name_survives():
    text = "55123 and the zip is 75071"

    assert not hidden(text, context="What's the order number?") & set(range(len("55123")))


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("Who is the patient?", "Her name is Linda young.", "Linda young"),
        ("Please confirm the new password.", "Password confirmation is K as in kilo 7 7 2 9.", "K as in kilo 7 7 2 9"),
    ],
)
def test_a_surname_in_lowercase_and_a_secret_confirmed_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        # A title said as a noun, and what it would make a name everywhere else in the call.
        ("", "Your eye doctor can submit it electronically, or you can upload the form yourself."),
        ("", "The medication moved to a higher tier, but your doctor can ask for an exception."),
        # A possessive pronoun after "asking for"; a letter's plural in a spelling.
        ("To verify, the last four?", "Wait, are you asking for mine or my husband's?"),
        ("It's Margaret O'Connell.", "Two N's, two L's, and one C."),
        # Letters between a code's digits, not a name spelled, even beside a name.
        ("This is Jordan. Your confirmation code?", "Yeah, it's K, like kilo, 7, 7, M, R, Q."),
        # A town whose name begins with a word that names none: "Fort", "San", "Port".
        ("Any charges you don't recognise?", "There's one for $212 at a Target in Fort Lauderdale."),
        ("", "we drove down from port charlotte last week"),
        # A business answering, its name in capitals: a possessive, ordinary words, a firm.
        ("", "Thanks for calling Tony's Brick Oven Pizza. Is this for pickup or delivery?"),
        ("", "Thanks for calling Fresh Crate. What can I help you with?"),
        ("", "Good morning, Harlow & Finch Furniture. How can I help?"),
        # A moment, not a day of the month, after a question for a date of birth.
        ("Please say your date of birth.", "One second please."),
        ("What's your date of birth?", "Give me a second, let me find my license."),
        # A value of the turn before does not run on into the next one's first word.
        ("yes same address zip is oh three one one oh", "Great. The new card arrives in three to five days."),
        # Dates a later turn talks of for itself, after a date of birth.
        ("Now say your date of birth.\nJuly 4th 1979.", "I found a license expiring June 30th. Is that it?"),
        ("And his?\nHis birthday's March 8th, 1982.", "Saved. Now, moving the return to June 19th, okay?"),
        # A business's toll-free line, named so; a branch the agent offers.
        ("Can you describe the issue?", "I called the 800 number on the website, 1-800-555-0199, and it rings."),
        ("Can you hold it somewhere?", "I can hold it at a Parcelway location. The closest is at 400 Laurens Road."),
        # A number said after "two" is no house number before a food.
        ("", "I have two extra ranch cups in the bag already."),
    ],
)
def test_titles_as_nouns_spelled_letters_businesses_moments_and_other_dates_survive(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("", "My neighbor mister price has a key.", "price"),
        ("", "Hi Fatou, this is Jordan with Patient Services.", "Fatou"),
        ("", "Thank you for calling Walter Brown. Goodbye.", "Walter Brown"),
        # A date of birth checked, corrected or asked for another person in a later turn.
        ("Please say the year you were born.\n1944.", "I heard 1954. Is that correct?", "1954"),
        ("What's your date of birth?\nJuly 4th 1979.\nI have June 4th 1979.", "No, it's August 4th.", "August 4th"),
        (
            "Your date of birth?\ndecember twelfth nineteen eighty eight\nAnd hers?",
            "august fifth twenty sixteen",
            "august fifth twenty sixteen",
        ),  # fmt: skip
        # A street whose name ends in a kind the Postal Service lists.
        ("Then tell me your address.", "2714 Magnolia Bend, Katy, Texas.", "2714 Magnolia Bend"),
        (
            "Can you confirm the address?",
            "15833 Cobalt Ridge... uh, Parkway? No, it's Cobalt Ridge Court.",
            "15833 Cobalt Ridge... uh, Parkway",
        ),  # fmt: skip
        ("What's the address?", "i live at four seventeen heron ridge drive", "four seventeen heron ridge drive"),
        ("What's the address?", "It's 2290 Orchard Hill Drive, by the park.", "2290 Orchard Hill Drive"),
    ],
)
def test_names_after_titles_greeted_people_dates_checked_and_streets_of_every_kind_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A prompt whose asking sentence is not its last.
        (
            "Please say your new password. It must have at least 8 characters.",
            "Harbor light 1 9 9 6.",
            "Harbor light 1 9 9 6",
        ),  # fmt: skip
        ("Now enter your passcode. It is case sensitive.", "blue heron forty one", "blue heron forty one"),
        # "Can I have…" asks for the secret: the answer needs no "yes".
        ("And can I have your verbal passcode?", "it's blue heron", "blue heron"),
        ("Could I get your security answer?", "oh that's tuscaloosa", "tuscaloosa"),
        # The question named before the answer.
        (
            "What's the answer to your security question?",
            "uh the first school one that's roosevelt elementary",
            "roosevelt elementary",
        ),  # fmt: skip
        ("What's the answer to your security question?", "the pet one, it's biscuit", "biscuit"),
        # A temporary secret read out in the sentence after it is named.
        (
            "",
            "I'm texting you a temporary password for the portal. It's Blue-Fox-41, change it when you log in.",
            "Blue-Fox-41",
        ),  # fmt: skip
    ],
)
def test_secrets_after_prompts_requests_named_questions_and_temporary_ones_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        ("Please enter your passcode. Press pound when done.", "Okay."),
        ("I reset your passcode. You'll get a text.", "okay great thanks"),
        ("Can I get your passcode?", "I don't remember it honestly"),
        ("", "I've sent a new PIN to your phone. It's on its way, should be a minute."),
    ],
)
def test_talk_after_a_secret_s_prompt_or_its_reset_survives(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, kept",
    [
        ("And the three numbers on the back?\nthree oh six", "Perfect, Piotr, the deposit's in.", "Perfect"),
        ("", "Greenleaf Tax Services, this is Howard. How can I help?", "Greenleaf Tax Services"),
        ("", "Kessler Auto Care, Bobby speaking.", "Kessler Auto Care"),
        ("", "StorQuest Self Storage on Jackson Highway, this is Marcus.", "StorQuest Self Storage"),
        ("", "Liberty Bail Bonds, we're open 24/7. This is Ray.", "Liberty Bail Bonds"),
        ("", "Buongiorno, Hotel Palazzo Rinaldi reservations, this is Giulia.", "Hotel Palazzo Rinaldi"),
        ("Please say the name of the medication.", "Lipitor.", "Lipitor"),
    ],
)
def test_an_acknowledgement_a_business_answering_and_a_medicine_named_survive(context, text, kept):
    assert kept in redact(text, context=context).text


@pytest.mark.parametrize(
    "context, text, value",
    [
        ("", "Hunter Brown, this is Beth from Lakeview Pharmacy.", "Hunter Brown"),
        ("", "Piotr, this is Beth from Lakeview Pharmacy.", "Piotr"),
        (
            "Is that current?",
            "no she moved away put my neighbor frank delgado six one oh five five five oh one",
            "frank delgado",
        ),  # fmt: skip
    ],
)
def test_a_person_answered_and_a_relation_s_everyday_first_name_before_a_surname_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text",
    [
        # A number joined to a word is no code.
        ("I need to add my passport to my reservation.", "Sure. What's your six-character confirmation code?"),
        ("My passport expired in March.", "Yes, we can do a seven-business-day renewal of an adult passport."),
        ("And the ZIP code there?\n06117", "Okay. For a two-bedroom, that's a three-man crew, about 6 hours."),
        ("Is the road test for a first-time license, or for an upgrade?", "First-time license."),
        # A wedding to come is no life's date already lived.
        ("A new wedding inquiry.\nWonderful! What's the date of the wedding?", "September 20th, 2025."),
        # A business's place, named as such, before its address.
        (
            "What time do I need to be there?",
            "Check-in is on the second floor of the courthouse at 200 East Washington Street.",
        ),
        ("What's your gate code policy?", "The gate's open from six to ten, and the office is at 7700 Ford Road."),
        (
            "What's your address? I want to drop off the lease.",
            "Our leasing office is at 450 Washington Boulevard, Suite 120.",
        ),
        ("Please say your zip code.\n4 3 2 1 5.", "The closest site is the Morse Road Center at 1970 Morse Road."),
        ("Anything on a Saturday?", "Saturday openings are at the Grove City site, 3100 Lincoln Highway, at 8:00."),
        # Pets: a breed after the name, a raw "my dog rocco he…", the pet a visit is for.
        ("Your policy number?", "That's policy covering Biscuit, a golden retriever, and Mabel, a tabby."),
        ("", "hi i'm calling to check on my dog rocco he was in for his dental cleaning today"),
        ("my dog rocco he was in for a cleaning\nCan I get your last name?\nit's smith", "Thank you. Rocco did great."),
        ("Say the name of the pet you're calling about.", "Rosie."),
        # Menu options offered and said back, a plan's part.
        ("", "If you're calling about a summons you received, say summons. For directions, say directions."),
        ("If you're calling about a summons, say summons. For directions, say directions.", "Summons."),
        ("And your PIN.\n6 6 0 3.", "Thank you. You can say paystub, tax forms, or direct deposit."),
        ("", "The stay was billed under Part B, not Part A, so the supplement processed it differently."),
    ],
)
def test_joined_numbers_weddings_to_come_businesses_pets_and_menu_options_survive(context, text):
    assert not hidden(text, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        (
            "What's your address?",
            "it's the office at ninety nine oh one main street suite eight hundred",
            "ninety nine oh one main street",
        ),  # fmt: skip
        ("", "uh ekaterina but you can say katya", "katya"),
        ("", "Samantha Storage, this is Beth from the clinic.", "Samantha Storage"),
        ("", "Thank you. Please say Anjali's date of birth.", "Anjali"),
        ("", "My name is Grace K Lee.", "Grace K Lee"),
        ("When were you married?", "June 3rd, 1995.", "June 3rd, 1995"),
        ("To verify your account, say your pet's name.", "Rosie.", "Rosie"),
    ],
)
def test_one_s_own_office_a_name_said_and_a_secret_pet_s_name_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A secret with how it is written after it; a personal passphrase; an answer said again in full.
        ("what was the name of your first pet", "biscuit with a capital b i guess", "biscuit"),
        (
            "After the tone, please say your personal passphrase.",
            "Purple elephants dance at midnight.",
            "Purple elephants dance at midnight",
        ),  # fmt: skip
        (
            "What's the name of the elementary school you attended?",
            "Whittier. Whittier Elementary in Omaha.",
            "Whittier Elementary",
        ),  # fmt: skip
        # Another try after "I put", or one's own after another's.
        ("What's your reset answer?", "First car. So it'd be Datsun. Or maybe I put Datsun 210.", "Datsun 210"),
        (
            "What was the name of your first pet?",
            "Um, Pickles. No, wait, that was my sister's. Mine was Captain Whiskers.",
            "Captain Whiskers",
        ),  # fmt: skip
        # A secret asked for as "yours".
        ("Every family sets a pickup password. What would you like yours to be?", "Blue giraffe.", "Blue giraffe"),
        # A town after a street, before more talk or a ZIP code after a pause, in raw speech.
        (
            "And where to?",
            "ninety one brook hollow road west hartford it's a house so there's a driveway",
            "ninety one brook hollow road west hartford",
        ),  # fmt: skip
        (
            "where are you headed",
            "four twelve prairie rose court plainfield uh six oh five eight six",
            "four twelve prairie rose court plainfield",
        ),  # fmt: skip
        (
            "What's the address?",
            "809 Larkspur Court, Springdale. Is there parking out front?",
            "809 Larkspur Court, Springdale",
        ),  # fmt: skip
    ],
)
def test_secrets_restated_or_tried_again_and_towns_after_streets_are_hidden(context, text, value):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, kept",
    [
        ("What's the address?", "It's 12 Oak Street, Thanks.", "Thanks"),
        ("What's the answer to your security question?", "Biscuit. Biscuit is my dog.", "is my dog"),
    ],
)
def test_a_word_after_an_address_and_talk_after_an_answer_survive(context, text, kept):
    assert kept in redact(text, context=context).text


@pytest.mark.parametrize(
    "context, text, value",
    [
        # A person greeted with "this is" after, a title or a surname that is a business's word.
        ("", "Hi Grace Hill, this is Mark from the pharmacy.", "Grace Hill"),
        ("", "Hi Mr Hall, this is Jill.", "Hall"),
        ("", "Hello Ms Bonds, this is Karen from Liberty Mutual.", "Bonds"),
        ("", "Hi Tyler Black, how may I help?", "Tyler Black"),
        ("", "My name is Vivian Wing.", "Vivian Wing"),
        ("", "i need to cancel my wife linda gym membership", "linda"),
        # A person named as a town is, where no place is talked of.
        ("", "My name is Lake Jackson.", "Lake Jackson"),
        ("", "My brother Glen Burnie handles the bills.", "Glen Burnie"),
        ("", "My wife is Marie St. Paul.", "Paul"),
        # A name to be said is no menu option; a name with an initial after it.
        ("", "When you get to the front desk, say Rodriguez.", "Rodriguez"),
        ("", "I worked with Summer B last time.", "Summer"),
        ("How many and what name?", "Party of 4, G, A, R, C, I, A.", "G, A, R, C, I, A"),
        # One's own toll-free line; an account number with a word after it; one's home as a site.
        ("", "Call me back on the 877 number, 877-555-0133, that's my direct line.", "877-555-0133"),
        ("What's the policy number?", "774129-Auto.", "774129-Auto"),
        ("What's the address for the install?", "The install site is 1417 Birch Lane.", "1417 Birch Lane"),
        # Whose it is, answering a question for a thing; a second date of birth said alone.
        ("What's the medication?", "Grace's.", "Grace"),
        (
            "What's your date of birth?\nFebruary 9th, 1991.\nAnd your son Liam, he's on the plan too.",
            "November 17th, 2019.",
            "November 17th, 2019",
        ),  # fmt: skip
    ],
)
def test_people_greeted_named_as_towns_or_businesses_and_values_beside_the_round_s_rules_are_hidden(
    context, text, value
):
    assert all_hidden(text, value, context=context)


@pytest.mark.parametrize(
    "context, text, kept",
    [
        ("", "Every 2 weeks we run a report.", "Every 2 weeks we run a report."),
        ("", "Flight 452 should be landing at 6:40.", "Flight 452 should be landing at 6:40."),
        ("", "I'll send a reset password link. It's valid for 24 hours.", "It's valid for 24 hours."),
        ("What's your security answer?", "The pet question is easier.", "The pet question is easier."),
        ("", "my mother said smith is her maiden name", "my mother said"),
    ],
)
def test_talk_beside_the_round_s_rules_survives(context, text, kept):
    assert kept in redact(text, context=context).text
