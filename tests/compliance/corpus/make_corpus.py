"""Writes ``redaction.jsonl``: labelled contact-centre utterances.

    .venv/bin/python tests/compliance/corpus/make_corpus.py

Deterministic (fixed seed). Values are synthetic: Luhn-valid test-range card
numbers, structurally valid SSNs, 555 phone numbers, example domains. Each
kind of value is said in several ways, as speech-to-text writes them: digits,
number words, "oh" for zero, "double", groups split by fillers. About a
third of the lines hold no personal data but plenty of harmless numbers
(menu choices, prices, quantities, times, ordinary dates, extensions, years,
order numbers), so precision is measured too.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUTPUT = Path(__file__).with_name("redaction.jsonl")
random.seed(20261121)

FIRST = ["Maria", "James", "Aisha", "Wei", "Carlos", "Priya", "Dmitri", "Fatima", "Liam", "Sofia", "Kwame", "Yuki",
         "Daniel", "Olga", "Mateo", "Grace", "Hassan", "Chloe", "Arjun", "Nora", "Tomas", "Ingrid", "Malik", "Elena"]  # fmt: skip
LAST = ["Garcia", "Okafor", "Nguyen", "Schmidt", "Patel", "Kowalski", "Haddad", "Johnson", "Tanaka", "Rossi",
        "Mensah", "Fischer", "Lopez", "Ivanova", "Brennan", "Castillo", "Osei", "Lindqvist", "Moreau", "Singh"]  # fmt: skip
STREETS = ["Maple", "Oak", "Cedar", "Elm", "Sunset", "Lincoln", "Washington", "Lakeview", "Highland", "Pine Ridge",
           "Mill Creek", "Park", "Church", "Willow", "Broad"]  # fmt: skip
SUFFIXES = ["Street", "Avenue", "Road", "Drive", "Lane", "Court", "Boulevard", "Way", "Place", "St", "Ave", "Rd"]
STATES = [("Texas", "TX"), ("Ohio", "OH"), ("Georgia", "GA"), ("New York", "NY"), ("Arizona", "AZ"), ("Oregon", "OR")]
CITIES = ["Austin", "Columbus", "Atlanta", "Buffalo", "Phoenix", "Portland", "Springfield", "Dayton"]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "example.org", "comcast.net", "icloud.com", "example.com"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth",
            9: "ninth", 10: "tenth", 11: "eleventh", 12: "twelfth", 13: "thirteenth", 14: "fourteenth",
            15: "fifteenth", 16: "sixteenth", 17: "seventeenth", 18: "eighteenth", 19: "nineteenth", 20: "twentieth",
            21: "twenty first", 22: "twenty second", 23: "twenty third", 24: "twenty fourth", 25: "twenty fifth",
            26: "twenty sixth", 27: "twenty seventh", 28: "twenty eighth"}  # fmt: skip
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
FILLERS = [", ", " ", ", um, ", " uh ", " and then ", ", ", "... ", " "]


# --- Values ------------------------------------------------------------------------------


def luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "".join(random.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for position, digit in enumerate(reversed(body + "0")):
        value = int(digit)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return body + str((10 - total % 10) % 10)


def card() -> str:
    prefix, length = random.choice(
        [("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16)]
    )
    return luhn_complete(prefix, length)


def ssn() -> str:
    area = random.choice([value for value in range(1, 900) if value != 666])
    return f"{area:03d}{random.randint(1, 99):02d}{random.randint(1, 9999):04d}"


def phone() -> str:
    return f"{random.choice(['212', '310', '415', '503', '617', '720', '404', '512', '614', '916'])}555{random.randint(100, 199):04d}"


def routing() -> str:
    while True:
        digits = [random.randint(0, 9) for _ in range(8)]
        for check in range(10):
            candidate = digits + [check]
            if sum(weight * digit for weight, digit in zip((3, 7, 1) * 3, candidate, strict=True)) % 10 == 0:
                return "".join(map(str, candidate))


def digits(count: int) -> str:
    return str(random.randint(1, 9)) + "".join(random.choice("0123456789") for _ in range(count - 1))


# --- Saying numbers ----------------------------------------------------------------------


def digit_word(digit: str) -> str:
    return random.choice(["oh", "zero", "oh"]) if digit == "0" else DIGIT_WORDS[int(digit)]


def say_digits(value: str, groups: list[int] | None = None) -> str:
    """Digit by digit, in groups split by fillers; "double" now and then."""
    groups = groups or [len(value)]
    spoken, position = [], 0
    for size in groups:
        chunk, words, index = value[position : position + size], [], 0
        while index < len(chunk):
            if index + 1 < len(chunk) and chunk[index] == chunk[index + 1] and random.random() < 0.4:
                words.append(f"double {digit_word(chunk[index])}")
                index += 2
            else:
                words.append(digit_word(chunk[index]))
                index += 1
        spoken.append(" ".join(words))
        position += size
    text = spoken[0]
    for chunk in spoken[1:]:
        text += random.choice(FILLERS) + chunk
    return text


def say_pair(number: int) -> str:
    if number < 10:
        return f"oh {DIGIT_WORDS[number]}"
    if number < 20:
        return TEENS[number - 10]
    return TENS[number // 10] + (f" {DIGIT_WORDS[number % 10]}" if number % 10 else "")


def say_year(year: int) -> str:
    if 2000 <= year < 2010:
        return f"two thousand {DIGIT_WORDS[year % 10]}" if year % 10 else "two thousand"
    return f"{say_pair(year // 100)} {say_pair(year % 100)}"


def grouped(value: str, groups: list[int], separator: str) -> str:
    parts, position = [], 0
    for size in groups:
        parts.append(value[position : position + size])
        position += size
    return separator.join(parts)


# --- Lines ---------------------------------------------------------------------------------

records: list[dict[str, object]] = []


def add(template: str, **values: tuple[str, str]) -> None:
    """``template`` holds ``{name}`` slots; each value is ``(type, text)``,
    or ``("", text)`` for text that is not personal data."""
    entities = []
    parts = template.split("{")
    text = parts[0]
    for part in parts[1:]:
        name, rest = part.split("}", 1)
        entity_type, value = values[name]
        if entity_type:
            entities.append({"type": entity_type, "start": len(text), "end": len(text) + len(value)})
        text += value + rest
    records.append({"text": text, "entities": entities})


def spoken_or_written(written: str, spoken: str) -> str:
    return spoken if random.random() < 0.55 else written


def card_forms(number: str) -> str:
    groups = [4, 6, 5] if len(number) == 15 else [4, 4, 4, 4]
    return random.choice(
        [
            number,
            grouped(number, groups, " "),
            grouped(number, groups, "-"),
            say_digits(number, groups),
            say_digits(number, groups),
        ]
    )


def ssn_forms(number: str) -> str:
    return random.choice(
        [
            grouped(number, [3, 2, 4], "-"),
            grouped(number, [3, 2, 4], " "),
            number,
            say_digits(number, [3, 2, 4]),
            say_digits(number, [3, 2, 4]),
        ]
    )


def phone_forms(number: str) -> str:
    return random.choice(
        [
            f"({number[:3]}) {number[3:6]}-{number[6:]}",
            grouped(number, [3, 3, 4], "-"),
            grouped(number, [3, 3, 4], "."),
            "+1" + number,
            say_digits(number, [3, 3, 4]),
            say_digits(number, [3, 3, 4]),
            say_digits("1" + number, [1, 3, 3, 4]),
        ]
    )


def email_forms(first: str, last: str) -> str:
    domain = random.choice(DOMAINS)
    local = random.choice(
        [
            f"{first}.{last}",
            f"{first}{last}",
            f"{first[0]}{last}",
            f"{first}_{last}",
            f"{first}.{last}{random.randint(1, 99)}",
        ]
    ).lower()
    if random.random() < 0.5:
        return f"{local}@{domain}"
    spoken_local = local.replace(".", " dot ").replace("_", " underscore ")
    spoken_domain = domain.replace(".", " dot ")
    return f"{spoken_local} at {spoken_domain}"


def dob_forms() -> str:
    year, month, day = random.randint(1942, 2004), random.randint(1, 12), random.randint(1, 28)
    return random.choice(
        [
            f"{month:02d}/{day:02d}/{year}",
            f"{month}/{day}/{year % 100:02d}",
            f"{MONTHS[month - 1]} {day}, {year}",
            f"{MONTHS[month - 1]} {day}th {year}" if day > 3 and day < 21 else f"{MONTHS[month - 1]} {day}, {year}",
            f"the {ORDINALS[day]} of {MONTHS[month - 1]} {say_year(year)}",
            f"{MONTHS[month - 1].lower()} {ORDINALS[day]} {say_year(year)}",
            f"{say_pair(month)} {say_pair(day)} {say_pair(year % 100)}",
        ]
    )


def address_forms() -> str:
    number = random.choice([str(random.randint(10, 9999)), str(random.randint(100, 999))])
    street = f"{random.choice(STREETS)} {random.choice(SUFFIXES)}"
    if random.random() < 0.35:
        number = say_digits(number) if random.random() < 0.5 else number
    unit = random.choice(["", "", f", apartment {random.randint(1, 40)}", f" unit {random.randint(2, 9)}B"])
    return f"{number} {street}{unit}"


def name() -> tuple[str, str]:
    return random.choice(FIRST), random.choice(LAST)


# Card numbers
for _ in range(26):
    number = card()
    add(random.choice([
        "yeah the card number is {v}",
        "okay so it's {v}",
        "my visa is {v}, expiring soon",
        "can I pay with {v}?",
        "the long number on the front is, um, {v}",
        "Card number: {v}.",
        "it's the one ending — no wait, the whole thing is {v}",
    ]), v=("CREDIT_CARD", card_forms(number)))  # fmt: skip

# Social security numbers
for _ in range(26):
    number = ssn()
    add(random.choice([
        "my social is {v}",
        "social security number {v}",
        "sure, it's {v}, that's my SSN",
        "the SSN on file should be {v}",
        "my social security number is, uh, {v}",
        "for verification my social is {v} okay",
    ]), v=("SSN", ssn_forms(number)))  # fmt: skip
for _ in range(6):
    last_four = digits(4)
    add(
        random.choice(["the last four of my social are {v}", "last 4 of my SSN is {v}"]),
        v=("SSN", random.choice([last_four, say_digits(last_four)])),
    )

# Phone numbers
for _ in range(28):
    number = phone()
    add(random.choice([
        "you can reach me at {v}",
        "my cell is {v}",
        "call me back on {v} after five",
        "the best number is {v}",
        "my phone number is {v}",
        "text me at {v} please",
        "it's {v}, that's my mobile",
        "home number {v}",
    ]), v=("PHONE", phone_forms(number)))  # fmt: skip

# E-mail addresses
for _ in range(26):
    first, last = name()
    add(random.choice([
        "my email is {v}",
        "send it to {v}",
        "it's {v}",
        "the email on the account is {v}, I think",
        "you can email me at {v}",
    ]), v=("EMAIL", email_forms(first, last)))  # fmt: skip

# CVV and expiry
for _ in range(14):
    code = digits(random.choice([3, 3, 4]))
    add(random.choice([
        "the security code is {v}",
        "CVV is {v}",
        "the three digits on the back are {v}",
        "okay the code on the back is {v}",
    ]), v=("CVV", random.choice([code, say_digits(code)])))  # fmt: skip
for _ in range(14):
    month, year = random.randint(1, 12), random.randint(26, 31)
    form = random.choice(
        [
            f"{month:02d}/{year}",
            f"{month}/{year}",
            f"{say_pair(month)} {say_pair(year)}",
            f"{MONTHS[month - 1]} 20{year}",
        ]
    )
    add(
        random.choice(["it expires {v}", "expiration date is {v}", "exp {v}", "valid through {v}"]),
        v=("CARD_EXPIRY", form),
    )

# Bank
for _ in range(12):
    number = routing()
    add(
        random.choice(["the routing number is {v}", "routing {v}", "my bank's routing number is {v}"]),
        v=("ROUTING_NUMBER", random.choice([number, say_digits(number, [3, 3, 3])])),
    )
for _ in range(12):
    number = digits(random.randint(8, 12))
    add(random.choice([
        "my checking account number is {v}",
        "the savings account is {v}",
        "bank account {v}",
        "deposit it into account {v} at my bank",
    ]), v=("BANK_ACCOUNT", random.choice([number, say_digits(number, [4, len(number) - 4])])))  # fmt: skip

# Dates of birth
for _ in range(24):
    add(random.choice([
        "my date of birth is {v}",
        "I was born {v}",
        "DOB {v}",
        "birthday is {v}",
        "date of birth, {v}",
        "I was born on {v}",
    ]), v=("DATE_OF_BIRTH", dob_forms()))  # fmt: skip

# Addresses and ZIP codes
for _ in range(20):
    add(random.choice([
        "I live at {v}",
        "the address is {v}",
        "ship it to {v}",
        "my billing address is {v}",
        "we moved to {v} last month",
    ]), v=("ADDRESS", address_forms()))  # fmt: skip
for _ in range(14):
    zip_code = digits(5)
    if random.random() < 0.5:
        state, abbreviation = random.choice(STATES)
        add(
            "that's in {city}, " + random.choice([state, abbreviation]) + " {v}",
            city=("", random.choice(CITIES)),
            v=("ZIP_CODE", zip_code),
        )
    else:
        add(
            random.choice(["my zip code is {v}", "zip is {v}", "the postal code is {v}"]),
            v=("ZIP_CODE", random.choice([zip_code, say_digits(zip_code)])),
        )

# Names
for _ in range(26):
    first, last = name()
    full = random.choice([f"{first} {last}", first, f"{first} {last}"])
    add(random.choice([
        "hi, my name is {v}",
        "this is {v} calling about my bill",
        "yes this is {v}",
        "my name's {v} and I have a question",
        "can I speak with {v} please",
        "the account holder is Mrs {v}",
        "hello, I'm {v}, I called yesterday",
    ]), v=("PERSON", full))  # fmt: skip
for _ in range(4):
    first, last = name()
    add("my name is {v}", v=("PERSON", f"{first.lower()} {last.lower()}"))

# Member, policy and account IDs; PINs; licences; passports
for _ in range(18):
    identifier = random.choice([
        f"{random.choice('ABCDMPW')}{digits(8)}",
        f"{random.choice(['PL', 'MB', 'AC'])}-{digits(6)}",
        digits(9),
        f"{random.choice('ABCXYZ')}{random.choice('ABCXYZ')}{digits(7)}",
    ])  # fmt: skip
    add(random.choice([
        "my member ID is {v}",
        "the policy number is {v}",
        "account number {v}",
        "customer number {v}",
        "my claim number is {v}",
    ]), v=("ACCOUNT_ID", identifier))  # fmt: skip
for _ in range(14):
    pin = digits(random.choice([4, 4, 6]))
    add(
        random.choice(["my PIN is {v}", "the passcode is {v}", "my account password is {v}", "pin number {v}"]),
        v=("PIN", random.choice([pin, say_digits(pin)])),
    )
for _ in range(10):
    licence = f"{random.choice('ABDFKMST')}{digits(7)}"
    add(
        random.choice(["my driver's license number is {v}", "driver's license {v}", "DL number {v}"]),
        v=("DRIVER_LICENSE", licence),
    )
for _ in range(10):
    passport = random.choice([digits(9), f"{random.choice('ACXZ')}{digits(8)}"])
    add(random.choice(["my passport number is {v}", "passport {v}"]), v=("PASSPORT", passport))

# Several at once
for _ in range(16):
    first, last = name()
    add(
        "this is {n}, my date of birth is {d} and my cell is {p}",
        n=("PERSON", f"{first} {last}"),
        d=("DATE_OF_BIRTH", dob_forms()),
        p=("PHONE", phone_forms(phone())),
    )
    add(
        "card {c}, expires {e}, security code {s}",
        c=("CREDIT_CARD", card_forms(card())),
        e=("CARD_EXPIRY", f"{random.randint(1, 12):02d}/{random.randint(26, 31)}"),
        s=("CVV", digits(3)),
    )

# Nothing personal: menu choices, prices, quantities, times, ordinary dates, extensions, years
HARMLESS = [
    "press two for billing", "For sales, press 1. For support, press 2.", "I'd like option three please",
    "the plan is $49.99 a month", "it was forty nine ninety nine plus tax", "that comes to one hundred and twenty dollars",
    "I ordered three hundred units", "we need 25 more boxes", "can I get two of those and one of the large",
    "we open at 9:30 and close at five thirty", "call back after 3 pm", "the meeting is at ten fifteen",
    "my appointment is on March 3rd", "it shipped on 11/02/2026", "the deadline is December 15, 2026",
    "you can reach extension 4512", "ask for extension two one four", "transfer me to extension 300",
    "back in 2019 we switched providers", "I've been a customer since 2011", "in twenty twenty we had an outage",
    "your order number is 4471823", "the confirmation code is 7731", "ticket number 55012 was closed",
    "it's been about 45 minutes", "I've called 3 times this week", "the speed dropped to 20 percent",
    "room 204 on the second floor", "it's a 30 day trial", "the router model is AX3000",
    "I'm on the 50 gig plan", "we have four people on the account", "it costs 12 dollars 50 cents",
    "the refund of 89 dollars posted", "I paid 250 dollars last month", "that was order 2 of 3",
    "it's on page 12", "two weeks ago", "channel 7 is missing", "version 2.4 of the app",
    "I'll hold for five minutes", "the outage lasted 3 hours", "my bill went up by 15 dollars",
    "about 60 percent of the time", "the 2 year contract", "I was charged twice on the 14th",
    "yes", "no thank you", "that's all for today", "can you repeat that", "okay, one second",
    "I want to cancel", "thanks so much for your help", "could you speak up a little",
    "the 1st of the month works", "every Monday at 8", "it's 72 degrees in here",
    "I bought it at Best Buy", "my neighbour has the same problem", "the package was 3 days late",
    "I need a supervisor", "what's the address of your store", "is there a fee for that",
    "give me a minute to find it", "I'm calling about my internet", "the light is blinking orange",
    "my son set it up in 2022", "we moved in June", "the modem is on the third shelf",
    "three two one, let's go", "I'll take the 100 megabit one", "is it 10 or 11 dollars",
    "the total was 1,250 dollars", "1 800 flowers", "the Route 66 location",
    "my account was opened in 2015", "it's the 3rd time it happened", "can I pay 40 now and 40 later",
    "the code on the screen said error 404", "it says E-17 on the display", "model number X200",
]  # fmt: skip
for line in HARMLESS:
    records.append({"text": line, "entities": []})

# Written by hand, one by one, in the ways callers really talk: values are
# marked [[TYPE:value]]. These were not generated from the templates above.
HANDWRITTEN = [
    "ok my name is [[PERSON:Bernadette Okonkwo-Reyes]] and I'm calling because my bill doubled",
    "yeah hi it's [[PERSON:Tom]] again from earlier",
    "the card I want to use is a Mastercard, [[CREDIT_CARD:five five five five, five five five five, five five five five, four four four four]]",
    "number's [[CREDIT_CARD:4012-8888-8888-1881]], expiry [[CARD_EXPIRY:eleven twenty nine]], and the code is [[CVV:seven one two]]",
    "so that's [[CREDIT_CARD:3782 822463 10005]] for the Amex",
    "can you take [[CREDIT_CARD:6011111111111117]] instead",
    "my social's [[SSN:five two one, uh, four four, seven eight nine oh]] I think",
    "SSN is [[SSN:078 05 1120]] sorry [[SSN:078-05-1121]]",
    "you want my social? it's [[SSN:two one nine oh nine nine nine nine nine]]",
    "best callback number would be [[PHONE:six one seven, five five five, oh one six two]]",
    "call me at [[PHONE:1-800-555-0199]] that's the office line",
    "my mobile, [[PHONE:double seven oh, five five five, oh one one one]]",
    "reach me on [[PHONE:+44 20 7946 0958]] when I'm in London",
    "email's [[EMAIL:kevin dot oleary at outlook dot com]], two Ls? no, one L",
    "it's [[EMAIL:s.chen+billing@example.com]]",
    "send the receipt to [[EMAIL:tina underscore b at example dot net]]",
    "I was born [[DATE_OF_BIRTH:July fourth nineteen seventy six]]",
    "date of birth is [[DATE_OF_BIRTH:oh two twenty nine eighty eight]]",
    "my birthday's [[DATE_OF_BIRTH:12/24/1969]], Christmas Eve",
    "DOB [[DATE_OF_BIRTH:1 May 1990]]",
    "I live at [[ADDRESS:forty two Wallaby Way]] in Sydney actually",
    "the address on file should be [[ADDRESS:1208 N Main St, Apt 3]]",
    "it's [[ADDRESS:P.O. Box 7731]], we don't get mail at the house",
    "zip [[ZIP_CODE:nine oh two one oh]]",
    "that's Columbus Ohio [[ZIP_CODE:43215]]",
    "routing is [[ROUTING_NUMBER:one two two, one oh five, one five five]] and account [[BANK_ACCOUNT:four four oh oh, seven seven one two, three]] at Wells",
    "the checking account ends, well the whole thing is [[BANK_ACCOUNT:000123456789]]",
    "member number [[ACCOUNT_ID:XJH448201]]",
    "my policy is [[ACCOUNT_ID:HX-99-20417]]",
    "account number is [[ACCOUNT_ID:seven seven one oh three four four nine]]",
    "PIN's [[PIN:eight six eight six]]",
    "my passcode is [[PIN:tiger99]] all lowercase",
    "driver's license is [[DRIVER_LICENSE:S530-4417-7120]] from Illinois",
    "passport number's [[PASSPORT:C03005988]]",
    "this is Dr. [[PERSON:Anand]]'s office calling for Mrs [[PERSON:Lucia Romero]]",
    "I spoke to [[PERSON:Kevin]] yesterday and he said it was fixed",
    "um, let me get my card, ok, [[CREDIT_CARD:four one one one, um, one one one one, one one, uh, one one, one one one one]]",
    "the last four of the social are [[SSN:oh four two two]]",
    "expiration [[CARD_EXPIRY:09/2028]]",
    "I'll read the CVV, [[CVV:four four two]]",
    # Harmless, written the same way.
    "press one for English",
    "it was like two hundred and forty dollars",
    "we spent an hour and fifteen minutes on hold",
    "around 4:45 yesterday afternoon",
    "the promo ends November 30th",
    "I have two routers and three phones",
    "extension five five two one please",
    "I think it was 2018 or 2019",
    "my kid is seven",
    "the tracking number starts with 1Z",
    "the box says 5G ready",
    "we've got 100 megs down and 10 up",
    "Sorry, I'm on my 4th call about this",
    "invoice 2231 from last month",
    "I'm in suite 200 of the building",
    "it's about 15 miles from here",
    "can I pay twenty now",
    "the error code was 0x80070005",
    "Channel 4, 5 and 9 are gone",
    "my daughter was born in the spring",
]


def add_marked(marked: str) -> None:
    text, entities, rest = "", [], marked
    while "[[" in rest:
        before, rest = rest.split("[[", 1)
        inner, rest = rest.split("]]", 1)
        entity_type, value = inner.split(":", 1)
        text += before
        entities.append({"type": entity_type, "start": len(text), "end": len(text) + len(value)})
        text += value
    records.append({"text": text + rest, "entities": entities})


for line in HANDWRITTEN:
    add_marked(line)

with OUTPUT.open("w", encoding="utf-8") as output:
    for record in records:
        output.write(json.dumps(record, ensure_ascii=False) + "\n")
print(f"wrote {len(records)} utterances to {OUTPUT}")
