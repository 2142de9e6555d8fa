"""Person names: the kinds of evidence the name finder reads (compliance/redaction/persons.py).

The accuracy on transcripts nobody here wrote is held by test_redaction_accuracy.py
on the sealed set; these pin the behaviour each kind of evidence is for."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from compliance.redaction import get_redactor, lexicon, persons, redact
from compliance.redaction.lexicon import load
from compliance.redaction.persons import EPONYMS, TITLES, UTILITY_WORDS
from tests.compliance.redaction_checks import all_hidden


def people(text: str, **options: object) -> list[str]:
    return [text[entity.start : entity.end] for entity in redact(text, **options).entities if entity.type == "PERSON"]


@pytest.mark.parametrize(
    "text, names",
    [
        # The statistical recogniser, on capitalised text with no introduction.
        ("It's a joint account with Chidi Okonkwo.", ["Chidi Okonkwo"]),
        ("yeah, Priya Raman", ["Priya Raman"]),
        # The lexicon, in lowercase speech recognition output, of every origin.
        ("hi this is oksana shevchenko", ["oksana shevchenko"]),
        ("the account is under wei zhang", ["wei zhang"]),
        ("it's in my husband's name hamid rostami", ["hamid rostami"]),
        ("my wife ngozi eze will call back", ["ngozi eze"]),
        ("it's guadalupe ramirez", ["guadalupe ramirez"]),
        # Particles inside names.
        ("uh yeah it's yusuf al harbi", ["yusuf al harbi"]),
        ("Thank you, Mr. van der Berg.", ["van der Berg"]),
        ("i dont have it but the name is kiri te awa", ["kiri te awa"]),
        ("Let me search. I have Kiri Te Awa, arriving Friday.", ["Kiri Te Awa"]),
        # Slots: introductions, titles, greetings and the agent's side.
        ("I'm, uh, Nguyen Thi Lan.", ["Nguyen Thi Lan"]),
        ("Thank you Mr. Adeyemi.", ["Adeyemi"]),
        ("Alright, Guadalupe, let me check that.", ["Guadalupe"]),
        ("Is this April? Hi April, this is Faith from Evergreen Dental.", ["April", "April", "Faith"]),
        ("Last name Wiśniewska.", ["Wiśniewska"]),
        # An everyday word that a pronoun takes up, or a one-word answer.
        ("or my neighbor bill he has a key to the garage", ["bill"]),
        ("Adebayo.", ["Adebayo"]),
        # Spelled out, letter by letter.
        ("it's Raman, R-A-M-A-N.", ["Raman", "R-A-M-A-N"]),
        ("my name is kwame mensah k w a m e", ["kwame mensah", "k w a m e"]),
    ],
)
def test_names_are_found_by_each_kind_of_evidence(text, names):
    assert people(text) == names


@pytest.mark.parametrize(
    "text",
    [
        "can you pay the bill i will mark it as paid in may",
        # ("Rose from the front desk said…" would be someone's name: the front desk's Rose.)
        "A rose from the gift shop is twice the price they quoted, so can you grant me a discount?",
        "I have a Wells Fargo card and I shop at Walgreens in St. Louis.",
        "we drove from houston to dallas and then flew to paris",
        "She's Canadian and speaks English and Korean.",
        "It's May 3rd, and the appointment is June twelfth.",
        "i'm never home during the day so leave it with the front desk",
        "It's the last name, lowercase v, three words.",
        "I moved to Tacoma last year.",
        "my husband said it was fine",
        "Our Chase Lane location is closed until May.",
        "Madison Wisconsin.",
    ],
)
def test_words_that_are_also_names_survive_in_ordinary_use(text):
    assert people(text) == []


def test_a_town_named_like_a_person_is_a_person_unless_the_sentence_makes_it_a_place():
    assert people("Please ask for Thornton at the desk.") == ["Thornton"]
    assert people("We live in Thornton now.") == []


def test_known_names_are_redacted_in_any_case_whole_or_in_part():
    text = "dana said whitfield is her maiden name"

    assert people(text, known_names=["Dana Whitfield"]) == ["dana", "whitfield"]


def test_names_in_finds_what_a_delivery_introduced():
    assert get_redactor().names_in("Caller: My name is Dana Whitfield. Agent: Thanks, Dana.") == [
        "Dana",
        "Dana Whitfield",
    ]


SPELLING_WORDS = ["mary", "sam", "victor", "zebra", "boy", "tom", "apple", "nancy", "david", "edward"]


@settings(max_examples=150, deadline=None)
@given(
    st.data(),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10).filter(
        lambda word: word not in ("as", "in", "double", "triple", "dash", "hyphen") and not word.startswith("x")
    ),
    st.sampled_from(["yeah it's {}", "the last name is {}", "um {}", "okay so it's {}", "{}"]),
)
def test_a_word_followed_by_its_own_spelling_is_a_name_whatever_the_spelling(data, word, lead):
    """Letters one by one, in capitals with dashes or not, "as in" a word,
    "double" for a pair: the word said and every letter spelled are hidden."""
    capitals = data.draw(st.booleans())
    units, index = [], 0
    while index < len(word):
        letter = word[index].upper() if capitals else word[index]
        if index + 1 < len(word) and word[index + 1] == word[index] and data.draw(st.booleans()):
            units.append(f"double {letter}")
            index += 2
            continue
        if data.draw(st.integers(0, 4)) == 0:
            letter += f" as in {data.draw(st.sampled_from(SPELLING_WORDS))}"
        units.append(letter)
        index += 1
    spelled = ("-" if capitals and data.draw(st.booleans()) else " ").join(units)
    said = word.capitalize() if capitals else word
    text = lead.format(f"{said} {spelled}")

    found = {position for entity in redact(text).entities for position in range(entity.start, entity.end)}
    start = text.index(said)
    assert all(position in found for position in range(start, len(text)) if text[position].isalnum()), text


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(
        ["Jefferson", "Grant", "Lincoln", "Hope", "Frank", "Chase", "Sterling", "Summer", "Jordan", "Hunter"]
    ),
    st.sampled_from(
        [
            "I'm at the store on {}, by the bank.",
            "Is that the {} plan or the older one?",
            "We were at the {} downtown.",
            "the {} promotion ended last week",
            "I bought it at {} & Co. last year.",
            "Can I use the {} rewards card?",
        ]
    ),  # fmt: skip
)
def test_a_name_word_that_names_a_thing_or_a_street_survives(name, template):
    text = template.format(name)

    assert people(text) == []


@pytest.mark.parametrize("month", ["May", "June", "April", "August"])
def test_a_month_after_a_preposition_is_the_month(month):
    assert people(f"I'd like to talk about my bill from {month}.") == []
    assert people(f"Can we move it to {month}?") == []


@pytest.mark.parametrize("text, names", [
    ("this is grace i called earlier about the refund", ["grace"]),
    ("yeah this is hope from the clinic", ["hope"]),
    ("it's under hope hope ruiz", ["hope", "hope ruiz"]),
    ("frank frank miller from the hardware store", ["frank", "frank miller"]),
    ("hey it's max um max brennan i lost my card", ["max", "max brennan"]),
])  # fmt: skip
def test_an_everyday_first_name_is_a_name_where_the_speaker_introduces_it(text, names):
    assert people(text) == names


@settings(max_examples=100, deadline=None)
@given(
    st.from_regex(r"[BDFGKMNRSTVZ][aeiou][bdfgklmnrstvz][aeiou][bdfgklmnrstvz][aeiou]", fullmatch=True),
    st.sampled_from(["Let me pull up {}'s file.", "I see {}'s note from this morning.", "Is this about {}'s claim?",
                     "I'm calling about {}'s appointment, she's my mother."]),
)  # fmt: skip
def test_a_name_the_lexicon_does_not_know_is_a_name_before_its_owner_s_records(name, template):
    # A word the engine takes for English may be a business's ("Dababi's" is counted as English).
    (said,) = get_redactor().names.words_of(name)
    assume(not said.vocabulary and not said.name)
    text = template.format(name)

    # Its possessive ending may go with it.
    assert [found.removesuffix("'s") for found in people(text)] == [name]


@pytest.mark.parametrize("business", ["Macy", "Wendy", "Kohl", "Costco", "Verizon", "Apple", "Chase", "Seattle"])
def test_a_business_or_a_place_before_its_records_is_no_person(business):
    assert people(f"Can you check {business}'s order from Monday?") == []


# Surnames the sequence tagger reads as a person wherever a capitalised word opens a sentence.
FIRM_NAMES = ["Glenmore", "Hollis", "Hargrove", "Whitcombe", "Okonkwo", "Delacroix", "Brennan", "Castellanos"]


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(FIRM_NAMES),
    st.sampled_from(["Insurance", "Roofing LLC", "Plumbing", "Law", "Realty", "Dental", "Credit Union", "House"]),
    st.sampled_from(["Hi, this is {} {}. How can I help?", "Thanks for calling {} {}.", "{} {} customer care."]),
)
def test_a_name_before_a_business_word_is_the_business_whichever_part_finds_it(name, firm, template):
    assert people(template.format(name, firm)) == []


@pytest.mark.parametrize(
    "text, names",
    [
        # Two people joined by "and" stay people, whatever follows the second.
        ("It's Priya and Kofi's joint account.", ["Priya", "Kofi's"]),
        ("it's priya and kofi's account", ["priya", "kofi's"]),
        ("Maria and Ben's kids are on the plan too.", ["Maria", "Ben's"]),
        ("yeah her name is megan o'sullivan and her insurance is state farm", ["megan o'sullivan"]),
        ("I spoke with Hollis and Lane yesterday about the account.", ["Hollis", "Lane"]),
        # A listed brand's possessive stays the brand's.
        ("I placed a Ben and Jerry's order online.", []),
    ],
)
def test_names_joined_by_and_are_people_and_a_couple_s_possessive_too(text, names):
    assert people(text) == names


def test_contractions_written_without_their_apostrophe_are_words_not_names():
    from compliance.redaction import lexicon

    # Raw speech recognition writes "there's" as "theres", which is also a given name.
    unmarked = lexicon._contractions_unmarked(lexicon._frequent_words())
    names = sorted(word for word in unmarked if lexicon.load().is_name(word))
    assert {"theres", "shes"} <= set(names)
    for word in names:
        text = f"yeah {word} a problem with the bill i think"
        assert people(text) == [], word


@settings(max_examples=120, deadline=None)
@given(
    st.data(),
    st.sampled_from(sorted(eponym for eponym in EPONYMS if len(eponym) == 2)),
    st.booleans(),
    st.sampled_from(["there was a charge at {} yesterday", "I got the {} one.", "do you take {} gift cards"]),
)
def test_a_brand_named_after_people_is_no_person_however_speech_recognition_writes_it(
    data, eponym, capitalised, template
):
    # Raw speech recognition writes lowercase, drops the apostrophe ("jerrys") and says "&" as "and".
    first, second = (word.capitalize() if capitalised else word.replace("'", "") for word in eponym)
    joined = data.draw(st.sampled_from(["{} {}", "{} and {}", *(["{} & {}", "{}-{}"] if capitalised else [])]))
    # "Johnson & Johnson" said "johnson johnson" is a name said twice, as "hope hope ruiz" is.
    assume(not (first == second and joined == "{} {}"))
    text = template.format(joined.format(first, second))

    assert people(text) == []


BUSINESS_GREETINGS = st.sampled_from(
    [
        "Thank you for calling {}, this is Nadia.",
        "Welcome to {}. To make a payment, say payment.",
        "Hi, this is {} delivery support. How can I help?",
        "Good morning, {}. How can I help?",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(
        ["Marlow", "Hollis", "Westbrook", "Cedar Valley", "Prairie", "Metro", "Tri-County", "Osei", "Brennan"]
    ),
    st.sampled_from(["Hotels", "Outdoor", "Unified", "Freight", "Outfitters", "Imaging", "Roofing"]),
    BUSINESS_GREETINGS,
)
def test_a_business_named_by_its_name_and_what_it_does_is_no_person(name, business, template):
    text = template.format(f"{name} {business}")

    assert people(text) in ([], ["Nadia"])


@settings(max_examples=60, deadline=None)
@given(
    # Not a surname or a name no list holds: "Hollis Water" and "Osei Power" read as people, as
    # "Samantha Power" and "Chidi Power" do (test below), and so does a listed first name after
    # "this is" ("this is Metro Water", as "this is Memory Power"); a utility named so is one.
    st.sampled_from(["Cedar Valley", "Prairie", "Tri-County", "Ocean State", "Sunrise"]),
    st.sampled_from([word.title() for word in sorted(UTILITY_WORDS)]),
    BUSINESS_GREETINGS,
)
def test_a_utility_named_by_a_place_or_a_word_and_what_it_does_is_no_person(name, business, template):
    text = template.format(f"{name} {business}")

    assert people(text) in ([], ["Nadia"])


@pytest.mark.parametrize(
    "text",
    ["Metro Gas emergency line. Are you reporting a gas smell?", "Good morning, Tri-County Power. How can I help?"],
)
def test_a_utility_greeting_by_its_name_is_no_person(text):
    assert people(text) == []


@pytest.mark.parametrize("text", ["Thank you", "Thank you kindly", "Thanks"])
def test_a_span_of_ordinary_words_holds_no_name(text):
    assert get_redactor()._no_name_in(text, 0, len(text))


@pytest.mark.parametrize(
    "text", ["Will", "Oluwaseun", "Dana Whitfield", "Thank you Priya", "Van", "El", "a l", "GB13CLHA51522047"]
)
def test_a_span_holding_a_name_or_an_unknown_word_may_hold_a_name(text):
    assert not get_redactor()._no_name_in(text, 0, len(text))


FIRST_NAMES = ["Samantha", "Nadia", "Bob", "Sam", "Deborah", "Carlos", "Priya", "Kwame"]
# Words a utility or a shop calls itself by that are surnames too ("Samantha Power").
SURNAMES_OF_UTILITIES = st.sampled_from(["Power", "Gas", "Water", "Cable", "Storage", "Kitchen"])


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(FIRST_NAMES),
    SURNAMES_OF_UTILITIES,
    st.sampled_from(["My name is {}.", "This is {} calling.", "It was Dr. {} who saw me.", "Yes, {}, that's me.",
                     "My landlord is {}."]),
)  # fmt: skip
def test_a_first_name_and_a_surname_that_is_also_a_business_word_is_a_person(first, last, template):
    name = f"{first} {last}"

    assert name in people(template.format(name))


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(FIRST_NAMES),
    st.sampled_from(["Power", "Gas", "Water", "Cable", "Internet", "Storage", "Kitchen", "Supply"]),
    st.sampled_from(["hi this is {} {} has been out since monday", "yes my name is {} {} is the problem",
                     "Hi this is {} {} has been down since Monday."]),
)  # fmt: skip
def test_a_name_said_before_a_business_word_in_running_speech_is_still_a_name(first, word, template):
    text = template.format(first.lower() if template.islower() else first, word.lower())

    assert any(first.lower() in found.lower() for found in people(text))


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(["Priya", "Ahmed Khan", "Sarah Johnson", "Oluwaseun Adeyemi", "Wei Zhang", "Chidi", "Mpho"]),
    st.sampled_from(["Thank you for calling {}. Goodbye.", "thank you for calling {}",
                     "Thanks for calling {} God bless.", "Thank you for calling {} I appreciate it.",
                     "Thank you for calling {} please leave a message after the tone.",
                     "Thanks for calling Metro Gas {} speaking how can I help", "Thanks for calling Mr {}, bye now."]),
)  # fmt: skip
def test_a_person_thanked_for_calling_is_a_person_not_the_business_answering(name, template):
    assert name.split()[-1] in " ".join(people(template.format(name)))


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(
        [
            ("Kwame", "Asante"),
            ("Ngozi", "Eze"),
            ("Mateusz", "Wiśniewski"),
            ("Aiko", "Tanaka"),
            ("Priya", "Raghunathan"),
            ("Kwame", "Jackson"),
        ]
    ),
    st.sampled_from(["My name is {}", "{}", "It's {}, um"]),
)
def test_a_surname_said_in_the_turn_after_the_first_name_is_a_name(name, template):
    first, last = name

    assert people(f"{last}.", context=template.format(first)) == [last]


@pytest.mark.parametrize(
    "context, text, name",
    [
        ("My name is Kwame", "Washington.", "Washington"),
        ("", "Mark Power here, calling about my bill.", "Mark Power"),
        ("", "My name is Chidi Power.", "Chidi Power"),
        ("", "Yes, this is Nkechi Power.", "Nkechi Power"),
        ("May I have your full name?", "Grace Kitchen.", "Grace Kitchen"),
    ],
)
def test_a_name_that_is_also_a_place_or_a_word_is_a_name_where_the_talk_says_so(context, text, name):
    assert name in people(text, context=context)


@pytest.mark.parametrize("text", ["Will do.", "Thank you.", "Brazil."])
def test_a_word_or_a_place_in_the_turn_after_a_first_name_is_no_surname(text):
    assert people(text, context="My name is Kwame") == []


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["Blessing", "Innocent", "Comfort", "River", "Storm", "Sky"]),
    SURNAMES_OF_UTILITIES,
    st.sampled_from([("May I have your full name?", "{}."), ("Who am I speaking with?", "This is {}."),
                     ("", "Hi, {} here."), ("", "It's {}.")]),
)  # fmt: skip
def test_a_first_name_that_is_a_word_and_a_utility_s_surname_said_as_a_name_is_a_person(first, last, turn):
    context, template = turn
    found = " ".join(people(template.format(f"{first} {last}"), context=context))

    assert first in found and last in found


@pytest.mark.parametrize(
    "context, text, name",
    [
        ("my name is farai", "chiweshe", "chiweshe"),
        ("Hi this is Rudo", "makoni calling about my account", "makoni"),
        ("Who's the policyholder?\nYeah, it's Tendai", "Price.", "Price"),
        ("", "Thank you for calling Tom Little, have a good day.", "Tom"),
    ],
)
def test_a_surname_no_list_holds_after_a_first_name_or_a_person_thanked_is_a_name(context, text, name):
    assert name in " ".join(people(text, context=context))


@pytest.mark.parametrize(
    "text",
    ["May I speak to someone in billing?", "Walker, the walker broke.", "Long story.", "price went up on my plan"],
)
def test_a_turn_after_a_first_name_that_begins_with_a_word_a_surname_can_be_is_no_surname(text):
    assert people(text, context="Who's the policyholder?\nYeah, it's Tendai") == []


@pytest.mark.parametrize("text", ["Perfect.", "Lovely.", "Welcome.", "mhmm", "Pardon?", "Right."])
def test_an_acknowledgement_after_a_first_name_is_no_surname(text):
    assert people(text, context="My name is Ifeoma") == []
    assert people(text, context="yeah my name is mark") == []


_SPELLING_PIECES = st.sampled_from(["alpha", "Bravo", "november", "mike", "7", "4", "oh", "two", "the", "a", "I", "K9"])
_SEPARATORS = st.sampled_from([" ", ", ", ". ", "\n", " - ", "-", "'", "’s ", "    ", ""])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_SPELLING_PIECES, _SEPARATORS), max_size=20).map(lambda pairs: "".join(map("".join, pairs))))
def test_runs_of_spelled_parts_are_found_where_words_start_as_a_scan_of_every_character_finds_them(text):
    scanned = [run.span() for run in persons._SPELT_RUN.finditer(text)]

    assert [run.span() for run in persons._runs_at_word_starts(persons._SPELT_RUN, text)] == scanned


# Names a thing bears that are names too, said as the answer to a question for the thing.
_THING_NAMES = ["Chase", "Ford Ranger", "Saint Jude", "Regence", "Jackson", "Marshall", "Hunter", "Grant", "Jordan"]
_ANSWERS = ["{}.", "It's {}.", "Um, it's a {}.", "just {}", "{}, the one downtown.", "its {} like ten years old"]


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(sorted(set(persons.THINGS) - persons.ADDRESS_THINGS)),
    st.sampled_from(
        ["Which {} is it?", "What's the name of the {}?", "Please say the {}.", "And the {}?", "What {} was that with?"]
    ),
    st.sampled_from(_THING_NAMES),
    st.sampled_from(_ANSWERS),
)
def test_a_name_answering_a_question_for_a_thing_is_no_person(thing, question, name, answer):
    """The answer names the thing asked for, whatever the thing ("What's the make of the
    heater?" / "its a rheem like fifteen years old")."""
    assert people(answer.format(name), context=question.format(thing)) == []


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(
        [
            "What's the name on the account?",
            "Who am I speaking with?",
            "Can I get your last name?",
            "Which doctor did you see at the clinic?",
            "What's the patient's name at the hospital?",
            "Who's the account holder at the bank?",
            "Which store, and who did you speak with there?",
            # A secret: a security question's answer is hidden, whatever it names.
            "What was the make of your first car?",
        ]
    ),
    st.sampled_from(["Jordan", "Austin", "Savannah", "Chase", "Grant", "Adebayo", "Priya Raman", "Paris"]),
    st.sampled_from(["{}.", "It's {}.", "Um, it's {}.", "just {}", "yeah {}", "It's {}, I think."]),
)
def test_a_name_answering_a_question_for_a_person_or_a_secret_is_hidden(question, name, answer):
    """Asked for a person, a name is one, places' and words' names among them ("What's the name
    on the account?" / "Jordan.")."""
    text = answer.format(name)
    assert all_hidden(text, name, context=question), text


@pytest.mark.parametrize("thing", sorted(persons.ADDRESS_THINGS))
def test_a_name_answering_a_question_for_a_part_of_an_address_is_hidden(thing):
    """A person's street is part of their address: "And the street?" / "Beaumont."."""
    assert redact("Beaumont, the one by the school.", context=f"And the {thing}?").entities


@pytest.mark.parametrize("question", ["Which branch did you visit?", "What's the name of the store?"])
@pytest.mark.parametrize("answer", ["Erin helped me at the Maple branch.", "Priya Raman said it would be ready."])
def test_a_name_doing_something_in_an_answer_for_a_thing_is_a_person(question, answer):
    name = answer.split(" helped")[0].split(" said")[0]
    assert people(answer, context=question) == [name]


_PET_NAMES = ["Rosie", "Duke", "Max", "Penny", "Bishop", "Charlie", "Bella", "Oliver"]


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(["dog", "cat", "puppy", "golden retriever", "beagle", "kitten"]),
    st.sampled_from(
        [
            "I need to book a checkup for my {animal}. Her name's {name}.",
            "There's a {animal}, {name}, but he's friendly.",
            "We got a new {animal} named {name}, he chewed my card.",
            "{name}. He's a {animal}, like seventy pounds.",
            "the {animal} is friendly her name is {name}",
            "{name} is the {animal}, a rescue.",
            "my {animal}s name is {name}",
        ]
    ),
    st.sampled_from(_PET_NAMES),
)
def test_a_name_the_call_gives_an_animal_is_no_person(animal, template, name):
    text = template.format(animal=animal, name=name)
    assert people(text) == [], text
    # And where it is said again, in a later turn.
    assert people(f"See you and {name} on Wednesday!", context=text) == []


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(
        [
            "My daughter has a {animal}. Her name is {name} and she is twelve.",
            "The {animal}'s vet, her name is Dr. {name}, said it's fine.",
            "My {animal} walker, {name}, has a key.",
            "I'm calling about my {animal}. My name is {name}.",
            "{name} is a {animal} groomer in town.",
            "Thanks, {name}. Is the {animal} okay?",
            "The {animal} bit a lady at the park. Her name is {name}.",
            "My {animal} loves the mailman. His name is {name}.",
            "My son {name} is a boxer.",
            "Max is the {animal}, {name} is my daughter.",
        ]
    ),
    st.sampled_from(["dog", "cat", "puppy"]),
    st.sampled_from(["Maria", "Priya Raman", "Rosie"]),
)
def test_a_person_beside_an_animal_is_a_person(template, animal, name):
    text = template.format(animal=animal, name=name)
    assert name in " ".join(people(text)), text


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(["My dog's name is {}.", "It's for my cat, {}.", "{}. He's a beagle."]),
    st.sampled_from(
        [
            "My sister {} will drop her off.",
            "My name is {}.",
            "Is this {}? Hi {}, this is the clinic calling.",
            "{} is my daughter's name too, she's coming.",
            "My wife, {}, made the appointment.",
        ]
    ),
    st.sampled_from(_PET_NAMES),
)
def test_a_pet_s_name_said_again_of_a_person_is_a_person(introduced, said, name):
    """A name the call gave an animal is a person's where the talk says so, in a later turn."""
    text = said.replace("{}", name)
    assert name in people(text, context=introduced.format(name)), text


def test_a_pet_s_name_given_as_the_answer_to_a_question_for_a_name_in_raw_speech_is_a_person():
    assert people("rosie", context="my dogs name is rosie\nagent whats your name") == ["rosie"]


@pytest.mark.parametrize(
    "context, text",
    [
        ("What was the name of your first pet?", "Biscuit."),
        ("For security, what was your first pet's name?", "It was a dog named Rosie."),
        ("Security question: what is the name of your childhood dog?", "rosie"),
    ],
)
def test_a_pet_s_name_given_as_a_security_answer_is_hidden(context, text):
    assert redact(text, context=context).entities


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(["Savannah", "Orlando", "Tulsa", "Paris", "Reno", "Austin", "Charlotte", "Jackson"]),
    st.sampled_from(
        [
            "There are three charges from a gas station in, um, {}, and I've never been there.",
            "I found your trip from Denver to {} on March 3rd.",
            "Your flight departs {} at 6:05 a.m.",
            "We're flying back to {} on Sunday.",
            "we live near {} now",
            "i moved here from {} last year",
            "The package is out of {} and should ship tomorrow.",
        ]
    ),
)
def test_a_place_said_where_one_is_goes_or_comes_from_is_no_person(place, template):
    assert people(template.format(place)) == []


@pytest.mark.parametrize(
    "text, name",
    [
        ("I spoke to Austin yesterday and he said it was fine.", "Austin"),
        ("Please send it to Austin Miller at the same address.", "Austin Miller"),
        ("We're flying to Paris to see my daughter, Charlotte.", "Charlotte"),
        ("Can I speak to Savannah, please?", "Savannah"),
    ],
)
def test_a_person_said_after_to_or_from_without_a_journey_is_a_person(text, name):
    assert name in people(text)


@pytest.mark.parametrize("place", ["Savannah", "Tyler"])
@pytest.mark.parametrize(
    "template",
    [
        "I'm visiting {}, my sister, next week.",
        "Please ship it to {}, he's my son.",
        "Deliver it to {} at the front desk.",
    ],
)
def test_a_place_s_name_said_to_be_someone_after_a_journey_is_a_person(place, template):
    # (Known miss, before this rule as after it: "Austin" and "Charlotte" in some of these are
    # not found as names at all.)
    assert place in people(template.format(place))


def test_every_listed_eponym_holds_a_name_or_is_one_word_no_name_list_has():
    """A brand or a public figure listed in ``eponyms.txt`` is never a lone first name or surname
    ("Chase", "Perkins"), which would hide a person's being read as one."""
    known = load()
    lines = (Path(persons.__file__).with_name("eponyms.txt")).read_text(encoding="utf-8").splitlines()
    listed = [line.split() for line in lines if line.strip() and not line.startswith("#")]
    assert len(listed) > 900
    singles = [words[0] for words in listed if len(words) == 1]
    assert not [word for word in singles if known.is_name(word.removesuffix("'s"))]
    # Nor a first name and surname many people bear: "Michael Jackson" is also a caller's name.
    census = lexicon._Census.read()

    def share(table: dict[str, str], word: str) -> float:
        return float(table.get(word, 0)) / 100

    borne = [
        words
        for words in listed
        if len(words) == 2
        and max(share(census.male, words[0]), share(census.female, words[0]))
        * share(census.family, words[1].removesuffix("'s"))
        > 1e-5
    ]
    assert not borne
    # Nor a title first: "Mr. Cooper", "Dr. Brown's" are people's too.
    assert not [words for words in listed if words[0] in TITLES]


@pytest.mark.parametrize(
    "context, text, name",
    [
        ("", "I spoke with Janet Hilton yesterday about the claim.", "Janet Hilton"),
        ("", "My name is Martha Perkins.", "Martha Perkins"),
        ("", "This is Fred Simmons calling about my order.", "Fred Simmons"),
        # A person named like a listed brand or public figure, wherever the talk says a person is meant.
        ("Who am I speaking with?", "Ethan Allen.", "Ethan Allen"),
        ("", "My husband Ethan Allen is on the account.", "Ethan Allen"),
        ("", "My neighbor Daniel Sikorsky found the package.", "Daniel Sikorsky"),
        ("", "Sallie Mae Jenkins, my grandmother.", "Sallie Mae Jenkins"),
        ("", "Grant Thornton called me yesterday about the refund.", "Grant Thornton"),
        ("Can I get the name on the account?", "It's under Garth Brooks.", "Garth Brooks"),
        ("Who's the patient?", "The patient is Muhammad Ali.", "Muhammad Ali"),
        ("", "please send it care of muhammad ali at the same address", "muhammad ali"),
        ("Who's the emergency contact?", "Montgomery Ward, my brother-in-law.", "Montgomery Ward"),
        ("", "I want to add Ashley Stewart as an authorized user on my card.", "Ashley Stewart"),
        ("Who else is on the account?", "My sons, Harry and David.", "David"),
    ],
)
def test_a_person_who_shares_a_name_with_a_brand_is_still_a_person(context, text, name):
    assert all_hidden(text, name, context=context)


@pytest.mark.parametrize(
    "text",
    [
        "Is the loan with Fannie Mae or Freddie Mac? Our neighbor said it matters.",
        "To hear about rewards at Fred Meyer and Kroger, say rewards.",
        "It's a 1984 Ford Bronco. Eddie Bauer edition.",
        "The Martha Stewart collection, the sage green one.",
    ],
)
def test_a_brand_named_after_people_survives(text):
    assert redact(text).text == text
