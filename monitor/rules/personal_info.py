"""The personal_info rule: phone numbers, personal email addresses, home addresses, dates of birth.

The policy: staff must not "allow personally identifying information to be
published on school social media accounts". Found:

- phone numbers, UK and international formats, by Google's libphonenumber
  (the ``phonenumbers`` package), which knows which numbers are valid; and
  UK numbers written in words, as parents write them or dodge a filter
  ("oh seven seven double oh, nine double oh ...", "07 double 9 one two",
  "nine hundred"), or with the letter o for a zero ("07700 9OO 818"); not
  organisations' numbers by their kind (freephone, 03, business rate,
  premium, the 116 helplines) nor references ("ParentPay ref 0047 2213 9981",
  groups of four digits);
- personal email addresses: any address but the school's own domains and
  role addresses of organisations (office@, info@ ...); webmail ones with the
  "@" and dots spelt out or spaced ("kerrylou86 @ gmail . com");
- UK postcodes (full ones) and street addresses ("12 Oak Road", not "a 7 hour
  drive");
- dates of birth: a date next to "DOB", "born", "date of birth" or "birthday",
  or a full date a few words after one in the same clause ("DOB for the
  passport forms was 14.06.2016").

Most text has none of these, and the parsers are slow, so each looks only
where a cheap sign says it might: phone parsing needs seven digits or more,
addresses and postcodes a digit, emails an "@", dates of birth a keyword, a
number in words the zero it starts with.

``normalised`` is a canonical form (E.164 for phones, the lower-case address,
the postcode in capitals without its space), so an admin's "allow" of one
finding matches the same number however it is written next time;
``allow_terms`` are compared in that form too.
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar, NamedTuple

import phonenumbers

from monitor.models import ActionKind, Hit, Item, Severity
from monitor.rules.normalise import NormalisedText

# An address is found from its "@": the local part is the run of these
# characters before it, the domain is matched after it.
_LOCAL_PART = frozenset(string.ascii_letters + string.digits + "_.+'-")
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+", re.ASCII)
# Local parts that are a role, not a person (info@bakery.co.uk is not private).
_ROLE_ADDRESSES = frozenset(
    str.split(
        "info office admin enquiries enquiry contact hello sales support bookings reception "
        "head headteacher secretary noreply no-reply team events pta finance accounts "
        "admissions clerk governors help mail news press marketing"
    )
)
# Organisations' domains whose addresses are public by design.
# An address spelt out: words joined by " dot ", " at ", then a domain ending
# in a common top-level domain.
_SPELT_EMAIL = re.compile(
    r"\b(?P<local>[a-z0-9_]+(?: dot [a-z0-9_]+)*) at "
    r"(?P<domain>[a-z0-9-]+(?: dot [a-z0-9-]+)* dot (?:com|net|org|uk|co|me|io|ie))\b"
)
# An address at a webmail provider with its "@" (and maybe its dots) spelt out or
# bracketed: "kellyb1990 at gmail.com", "mike_t[at]outlook[dot]com", "jo (at)
# yahoo (dot) co (dot) uk". Only webmail: "sign up at gov.uk" is no address.
_WEBMAIL = (
    "gmail|googlemail|hotmail|outlook|yahoo|ymail|icloud|live|aol|btinternet|sky|protonmail"
    "|proton|msn|talktalk|virginmedia"
)
# Spaced out ("kerrylou86 @ gmail . com") is written the same way. In the local
# part a dot is spelt or bracketed ("kerry dot lou at gmail dot com"), never a
# spaced full stop: "see you there. jo at gmail.com" is jo's address. It ends in a
# letter or digit: "... before it. @gmail.com" has no local part.
_SPELT_AT = r"(?:\s*[(\[{]\s*at\s*[)\]}]\s*|\s+at\s+|\s*@\s*)"
_LOCAL_DOT = r"(?:\s*[(\[{]\s*dot\s*[)\]}]\s*|\s+dot\s+)"
_SPELT_DOT = r"(?:\s*[(\[{]\s*dot\s*[)\]}]\s*|\s+dot\s+|\s*\.\s*)"
_WEBMAIL_SPELT = re.compile(
    rf"(?<![a-z0-9_.+-])(?P<local>[a-z0-9_](?:[a-z0-9_.+-]*[a-z0-9_])?(?:{_LOCAL_DOT}[a-z0-9_]+)*)"
    rf"{_SPELT_AT}(?P<domain>(?:{_WEBMAIL})(?:{_SPELT_DOT}[a-z]{{2,6}}){{1,2}})\b"
)
# Cheap tests first: a spelt, bracketed or spaced "at" (_at_written), then a provider's
# name anywhere.
_WEBMAIL_NAMES = tuple(_WEBMAIL.split("|"))
# A webmail domain and its dot, as the spelt address ends: "live" and "sky" are in
# many comments, and the whole address's pattern costs a hundred times this search.
_WEBMAIL_DOMAIN = re.compile(rf"\b(?:{_WEBMAIL}){_SPELT_DOT}[a-z]")
_SPELT_PARTS = re.compile(rf"{_SPELT_DOT}")
_ORGANISATION_SUFFIXES = (".sch.uk", ".gov.uk", ".nhs.uk", ".nhs.net", ".police.uk", ".ac.uk")
# A one-letter area (B, E, G, L, M, N, S, W) has no district 0: "n00dz" is no "N0 0DZ".
_POSTCODE = re.compile(
    r"(?<![a-z0-9])([a-pr-uwyz](?:[a-hk-y][0-9]|[1-9])[a-z0-9]?) ?([0-9][abd-hjlnp-uw-z]{2})"
    r"(?![a-z0-9])"
)
# Each pattern that holds a digit is tried only where the text has one: the
# digit runs are found in one fast pass, and the patterns are anchored there.
_DIGIT_RUN = re.compile(r"[0-9]+")
# Seven digits with at most two separators between each: the least a phone
# number has. PhoneNumberMatcher is slow; most text never reaches it.
_PHONE_SIGN = re.compile(r"[0-9](?:[ ()./+-]{0,2}[0-9]){6}")
_PHONE_SEPARATORS = " ()./+-"  # the class between its digits
# What a written phone number is made of, and how much text either side of one
# the library is given (see _phone_runs and _windows).
_PHONE_CHARS = frozenset("0123456789 ()./+-\u00a0\u2009\u202f")
_PHONE_MARGIN = 12
_NOT_PHONE_DIGIT = re.compile(r"[^0-9+]")
_DIGIT_GROUP = re.compile(r"\+?[0-9]+")
_LONGEST_UK = len("+441234567890")
# A UK number in national or international form, separators removed.
_UK_SHAPED = re.compile(r"^(?:0|\+44|0044)(?:7[0-9]{9}|[123][0-9]{8,9}|8[0-9]{9})$")
_TRUNK = re.compile(r"(?<=[0-9] )\(0\)|(?<=[0-9])\(0\)")
_DIGITS_AND_O = frozenset("0123456789o")
_IP_LIKE = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
# Helplines schools publish on purpose, in E.164: Childline, Samaritans, NSPCC,
# Shout (text), NHS 111, 999, 101 and the European emergency number.
_PUBLIC_NUMBERS = frozenset(
    {"+448001111", "+44116123", "+448088005000", "+4485258", "+44111", "+44999", "+44101",
     "+44112"}
)  # fmt: skip
# And every number of a kind no person has, in E.164: UK freephone (0800, 0808,
# the old 0500), non-geographic 03 (public bodies and charities: 0300, 0345),
# business rate 084/087, premium 09; and North American toll-free.
_SERVICE_PREFIXES = (
    "+44800", "+44808", "+44500", "+443", "+4484", "+4487", "+449",
    "+1800", "+1833", "+1844", "+1855", "+1866", "+1877", "+1888",
)  # fmt: skip
# The European helplines, 116 and three digits (116 123, Samaritans); not a
# Leicester number (0116 and seven digits).
_HELPLINE_116 = re.compile(r"^\+44116[0-9]{3}$")
# A reference, not a phone number: digits a few words after "ref", "order",
# "account" ... ("ParentPay ref for the trip is 0047 2213 9981"), unless a word for
# a phone comes between ("in order to reach me, ring 07911 ...").
_REFERENCE_WORD = re.compile(
    r"\b(?:ref|refs|reference|(?<!in )order|invoice|inv|account|acct|acc|a/c|booking|"
    r"transaction|payment|receipt|membership|policy|tracking|confirmation|"
    r"customer|voucher|serial|barcode)\b"
)
_PHONE_WORD = re.compile(
    r"\b(?:call|ring|phone|tel|text|txt|mobile|mob|whatsapp|landline|contact|reach|"
    r"dial|sms|cell|fone|message|msg)"
)
_REFERENCE_REACH = 40  # characters before the digits a reference word is sought in
# An organisation's line: said so in the words before it (an office, or a public
# body or service a parent rings: "I rang the council on 01609 ...").
_OFFICE_WORD = re.compile(
    r"\b(?:office|reception|switchboard|main\s+number|enquiries|council|"
    r"local\s+authority|(?:children'?s|social|customer)\s+services|surgery|helpline|"
    r"hotline|police|nhs|depot|newsdesk|news\s+desk|(?:contact|ring|call|phone)\s+the\s+school"
    r"\s+on)\b"
)
# A school that is a business ("Pentire Surf School", "the driving school"): not "school",
# which parents name in every sentence.
_TRADE_SCHOOL = (
    r"(?:surf|swim|swimming|dance|driving|language|riding|football|music|art|drama|sailing"
    r"|martial\s+arts|karate|gymnastics)\s+school"
)
# A firm's name with an ampersand ("Cuts & Curls", "Patel & Sons"): a business's number
# or address follows it.
_FIRM_NAME = r"\b[a-z]+\s+&\s+[a-z]+\b"
# A business's line: the sentence before the number names a trade or a firm ("Mark's
# Plumbing & Heating 0161 ...", "Delta cabs do the SEN runs, 0151 ...").
_BUSINESS_WORD = re.compile(
    r"\b(?:plumb(?:ing|ers?)|heating|electric(?:al|als|ians?)|builders?|roofing|joinery"
    r"|garage|motors|cabs|taxis?|salon|barbers?|caf[eé]|restaurant|takeaway|pharmacy"
    r"|chemists?|dentists?|opticians?|vets|solicitors|estate\s+agents?|ltd|limited"
    r"|(?:&|and)\s+sons|(?:learning|tuition|leisure|community|garden)\s+centre|nursery"
    r"|bakery|butchers?|florists?|hotel|shop|company|firm|kitchen|caterers?|catered"
    r"|hairdressers?|website|on\s+google|club|clubs|bar|chippy|bakes|boutique|gym|coaches"
    r"|coach\s+hire|lost\s+property|photography|studio|alterations|tailors?|catering"
    r"|kebabs?|pizzas?|pizzeria|curry\s+house|to\s+order|order\s+ahead|[0-9]+%\s+off"
    r"|available\s+(?:from|at)|stocked\s+(?:by|at)|sold\s+(?:by|at)|stockists?"
    r"|cars|co-?op|co-?operative"
    rf"|{_TRADE_SCHOOL})\b"
    # a venue's own number ("the centre's number is"), a firm's name
    r"|\b(?:centre|center|club|pool|shop|salon|hall|church|library|surgery)'s\s+(?:phone\s+)?"
    rf"(?:number|line|landline)\b|{_FIRM_NAME}"
)
# A phone menu after the number ("020 7946 0100, option 1 for absences"): only an
# organisation's line has one (or opening hours).
_MENU_AFTER = re.compile(
    r"[\s,;:(-]{0,3}(?:(?:and|then)\s+)?(?:(?:choosing|choose|selecting|select)\s+)?"
    r"(?:option|press|ext\.?|extension)\s*[0-9]"
    # or says whose line it is ("0161 496 0745 (their studio line)")
    r"|[\s,;:(-]{0,3}(?:their|the|our)\s+(?:studio|shop|office|business|salon|main|work)"
    r"\s+(?:line|number)"
    # or when it is open ("0191 498 0344 (Mon-Sat 9-5)", "open 9am-5pm")
    r"|[\s,;:(-]{0,3}(?:(?:open|opening\s+hours)\b|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\s*-)"
)
# ... unless the sentence speaks of a person's own phone ("runs a garage but ring me
# at home on ...")
_A_PERSONS = re.compile(r"\b(?:me|my|mine|him|her|home)\b")
# A number rung at someone's home is theirs, whatever office the sentence names ("a lift
# to the council meeting, ring us at home, 01750 ...")
_AT_HOME = re.compile(r"\b(?:at|from)\s+home\b|\bhome\s+(?:number|phone|landline|line)\b")
_US = re.compile(r"\b(?:us|our)\b")
# (a sentence's first words name the business whose address and number follow:
# "the new uniform shop is Uniform Express, Unit 3, 210 Soho Road, Handsworth B21 9LR,
# 0121 ...")
_OFFICE_REACH = 120
# A sentence that is only its number's label ("Tel 01736 ...", "Phone: 0151 ...")
_ONLY_A_PHONE_WORD = re.compile(r"\s*(?:tel|telephone|phone|call|ring|contact)?[\s.:]*")
# (Not the full stop of an abbreviation: "order no. 0113 ...", "ref. 0113 ...".)
_SENTENCE_END = re.compile(r"(?<!\bno)(?<!\bref)(?<!\bacc)[.!?;\n](?:\s|$)")
# Three or four groups of four digits ("4417-2290-0831", "0047 2213 9981"): no
# phone number's layout, a reference's or a card's.
_FOUR_FOURS = re.compile(r"^[0-9]{4}(?:[ -][0-9]{4}){2,3}$")
# A phone number written in words: a run of number words ("oh", "double
# nine"), digit groups and separators, read as digits and then judged by the
# UK shape above. It starts where its zero does, written "oh", "zero",
# "nought" or "0" (maybe doubled: "double oh four four" is 0044), or at
# "plus"/"+" (+44); "o" and "nil" are zeros only after its first digit ("o" is
# a letter, "nil" a score: "two nil").
_NUMBER_WORDS = "zero|oh|nought|nil|one|two|three|four|five|six|seven|eight|nine"
_WORD_DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0", "one": "1", "two": "2",
    "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "plus": "+",
}  # fmt: skip
_NOT_OPENING = frozenset({"o", "nil"})
_REPEATS = {"double": 2, "triple": 3}
# "nine hundred" is 900, as a number is said aloud ("oh seven seven double oh, nine
# hundred, three one two"); "nine thousand" 9000.
_ZEROS_AFTER = {"hundred": "00", "thousand": "000"}
_HUNDREDS = r"(?:[\s-]+(?:hundred|thousand))"
_NONZERO_WORDS = "one|two|three|four|five|six|seven|eight|nine"
_SPELT_SEP = r"[\s,.-]+"
_WORD_START = r"(?<![a-z0-9'+])"
_WORD_END = r"(?![a-z0-9'])"  # "one's" and "2pm" are no number words
_SPELT_UNIT = (
    rf"(?:(?:double|triple){_SPELT_SEP}(?:{_NUMBER_WORDS}|o|[0-9]){_WORD_END}"
    rf"|(?:{_NONZERO_WORDS}|[1-9]){_HUNDREDS}{_WORD_END}"
    rf"|(?:{_NUMBER_WORDS}){_WORD_END}|\+?[0-9]+{_WORD_END})"
)
# Matched only where a number may start (_spelt_starts): scanning every comment
# with it would cost about as much as all the rest of this rule. Two units or
# more, so one number word in prose ("one or two of the year six") is no run.
_SPELT_RUN = re.compile(
    rf"{_WORD_START}(?:plus{_SPELT_SEP})?{_SPELT_UNIT}"
    rf"(?:{_SPELT_SEP}(?:o{_WORD_END}|{_SPELT_UNIT}))+"
)
# One unit of a run found by _SPELT_RUN: its repeat word, then what is repeated.
_SPELT_TOKEN = re.compile(
    rf"(?:(double|triple){_SPELT_SEP})?({_NUMBER_WORDS}|o|plus|\+?[0-9]+)"
    rf"(?:[\s-]+(hundred|thousand){_WORD_END})?"
)
# The words a number may start with, and a repeat word just before one.
_SPELT_OPENING = re.compile(rf"{_WORD_START}(?:oh|zero|nought|plus){_WORD_END}")
_REPEAT_BEFORE = re.compile(rf"{_WORD_START}(?:double|triple){_SPELT_SEP}\Z")
# Counting, not a number: "zero, one, two, three ... nine" is UK-shaped (01...).
_COUNTING = "0123456789"
# The most digits a UK number spells: "0044" and a ten-digit national number.
_LONGEST_SPELT = len("00441234567890")
_SPELT_PHONE = "phone number written in words"
_STREET_TYPES = (
    "road|rd|street|st|avenue|ave|lane|ln|close|drive|dr|way|crescent|cres|grove|"
    "gardens|gdns|place|terrace|court|ct|mews|square|rise|walk|row|park|hill|green|view"
)
# A public place's address: the sentence before it names a venue or a business ("the
# harvest supper is at the Memorial Hall, High Street, LD2 3AA"), and no home.
# (Not a word of a street's name: "Station Cottages", "Church Lane"; and not "school",
# which parents name in every sentence: "a cat near school, 14 Bramble Close".)
_PLACE_WORD = re.compile(
    r"\b(?:hall|hotel|centre|center|church|chapel|cathedral|mosque|masjid|temple|gurdwara"
    r"|synagogue|library|museum|stadium|arena|theatre|cinema|pub|inn|arms|restaurant|caf[eé]"
    r"|club|clubhouse|venue|surgery|hospital|station|leisure|pool|baths|supermarket|ltd"
    r"|plumbing|garage|kitchen|caterers?|catered|salon|hairdressers?|businesses|shop|bar"
    r"|chippy|bakes|bakery|boutique|gym|coaches|photography|studio|alterations|tailors?"
    rf"|catering|provided\s+by|sponsored\s+by|courtesy\s+of|available\s+(?:from|at)"
    rf"|stocked\s+(?:by|at)|sold\s+(?:by|at)|stockists?|vets|co-?op|co-?operative"
    rf"|{_TRADE_SCHOOL})\b"
    rf"(?!\s+(?:{_STREET_TYPES}|cottages|yard|fields?)\b)"
    # a firm's name ("Cuts & Curls on Foleshill Road")
    rf"|{_FIRM_NAME}"
)
# Between a street address and its postcode: a town or two ("Birkenhead", "Croydon,
# Surrey").
_TOWN_BETWEEN = re.compile(r"(?:[\s,]+[a-z][a-z'-]*){0,3}[\s,]+")
_HOME_WORD = re.compile(
    r"\b(?:live|lives|living|lived|home|house|address|moved|move|staying|stays|flat|door"
    r"|doorstep|mine|ours|we'?re|nan'?s|gran'?s|mum'?s|dad'?s|i'?m\s+at|i\s+am\s+at)\b"
)
# Words no street's name is made of: "6 SATs take place", "9 kids will walk" and "a 7
# hour drive" are no addresses.
_NOT_A_NAME_WORD = (
    r"(?!(?:the|a|an|on|in|at|for|of|to|and|my|our|your|his|her|their|is|was|are|were|be|been"
    r"|will|can|could|would|take|takes|took|get|gets|got|have|has|had|do|does|did|kids"
    r"|children|pupils|years|minutes|hours|days|weeks|yr|yrs|year|yo|month|months"
    # a duration, distance or count ("a 7 hour drive", "a 5 minute walk", "a 3 mile walk")
    r"|hour|hr|hrs|min|mins|minute|sec|secs|second|seconds|day|week|mile|miles|km|kms"
    r"|metre|metres|meter|meters|mph|lap|laps|step|steps|am|pm|times|more|extra|other"
    r"|people|goals|points|of)\b)"
)
# The street named first and the house number after it ("we live on Kingsway, number
# 118"), read back from the digits: where someone says they live.
_NUMBER_AFTER_STREET = re.compile(
    r"\b(?:live|lives|living|stay|staying|moved|move)\s+(?:on|at|to|in)\s+"
    r"(?P<street>(?:[a-z][a-z'’-]*\s+){0,3}?[a-z][a-z'’-]+,?\s+(?:at\s+)?(?:number|no\.?|num)\s*)$"
)
_STREET_REACH = 60  # characters before the digits the street and "number" are sought in
# What may not come just before a house number (see _STREET's look-behind).
_NOT_BEFORE_NUMBER = frozenset("_£$€.,:/-")
_STREET = re.compile(
    # (not a year: "born in 2014, applications close"; not a year group, class or room:
    # "Year 6 who represented St Mary's")
    rf"(?<![\w£$€.,:/-])(?<!year )(?<!yr )(?<!years )(?<!class )(?<!room )(?<!group )"
    rf"(?!(?:19|20)[0-9]{{2}}\b)[0-9]{{1,4}}[a-z]?,? "
    rf"(?:{_NOT_A_NAME_WORD}[a-z][a-z'’]+ ){{1,3}}"
    # (and "St" before a saint's name is no street: "St Mary's", "St John's")
    rf"(?:{_STREET_TYPES})\b(?!(?<=\bst)\s+[a-z]+['’]s\b)"
)
# (Words a date of birth comes with are found by substring checks in
# ``check``, far cheaper than a regex.)
_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"(?:uary|ruary|ch|il|e|y|ust|tember|ober|ember)?"
)
_DATE = (
    r"(?:[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:19|20)?[0-9]{2}"
    r"|(?:19|20)[0-9]{2}-[0-9]{1,2}-[0-9]{1,2}"
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH}(?: [0-9]{{4}})?"
    rf"|{_MONTH} [0-9]{{1,2}}(?:st|nd|rd|th)?(?:,? [0-9]{{4}})?)"
)
# A full date, with its year: what a date of birth a few words after its keyword
# must be ("DOB for the passport forms was 14.06.2016"), where "date of birth
# forms by 3 March" is a deadline.
_DATE_WITH_YEAR = (
    r"(?:[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:19|20)?[0-9]{2}"
    r"|(?:19|20)[0-9]{2}-[0-9]{1,2}-[0-9]{1,2}"
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH},? [0-9]{{4}}"
    rf"|{_MONTH} [0-9]{{1,2}}(?:st|nd|rd|th)?,? [0-9]{{4}})"
)
# Between "DOB"/"date of birth" and its date: up to 60 characters of one clause
# (no comma: "DOB certificates, trip 14/05/2024"), no digit (the date is the first
# number after the keyword) and no word of a deadline ("date of birth forms by
# 14/03/2025").
_DOB_GAP = (
    r"(?:(?!\b(?:by|before|until|till|due|deadline|closes?|opens?|from|after|starts?)\b)"
    r"[^.,!?;\n0-9]){0,60}?"
)
_DOB = re.compile(
    rf"(?:(?:\bd\.?o\.?b\b|\bdate of birth\b|\bborn(?: on)?\b|\b(?:birthday|b-?day) is\b"
    rf"|\b(?:birthday|b-?day)'s\b)"
    rf"[\s:.,-]{{0,3}}(?:on |is |the ){{0,2}}{_DATE}"
    rf"|(?:\bd\.?o\.?bs?|\bdates? of birth)\b[\s:.,-]{{0,3}}{_DOB_GAP}(?<![0-9]){_DATE_WITH_YEAR}"
    # "born" a word or three before its date: "born early on the 3rd of March 2015";
    # not a range, as admissions write it ("born between 1 September 2020 and ...")
    rf"|\bborn(?! (?:[a-z']+ ){{0,2}}(?:between|after|before|from|since|until|by)\b)"
    rf"(?: [a-z']+){{1,3}} (?:the )?{_DATE_WITH_YEAR}"
    # an age turned, then the day with its year: "who turns 8 today (14.09.2016)"
    rf"|\bturn(?:s|ed|ing)? \d{{1,2}}(?: today| tomorrow| on)?[\s:.,(-]{{0,3}}{_DATE_WITH_YEAR}"
    # the date a form was given ("why does the form want my date of birth? I put
    # 11/04/1985 and ...", "why does it need his date of birth? It's 22 June 2015")
    rf"|\bdates? of birth\b[^0-9\n]{{0,60}}?\b(?:(?:i|we) (?:put|entered|typed|wrote|gave)"
    rf"(?: in)?(?: it as)?|it'?s|it is|(?:his|hers|theirs) is) {_DATE_WITH_YEAR})\b"
)
# A birthday and a date with a year some years back: the day someone was born ("my
# mam's birthday's the same day as the communion, 17/05/1968"), where a birthday party's
# date is this year's or next ("her birthday party is on 14/06/2026").
_BIRTHDAY_DATE = re.compile(
    rf"\b(?:birthday|b-?day)(?:'?s| is| was)?\b[^.!?;\n0-9]{{0,60}}?(?<![0-9])({_DATE_WITH_YEAR})\b"
)
_FOUR_DIGIT_YEAR = re.compile(r"\b(?:19|20)[0-9]{2}\b")
_YEARS_BACK = 2  # how many years before the message a birthday's year must be


class PersonalInfoRule:
    """Finds personal information. ``check`` never raises (phone parsing errors are skipped)."""

    id: ClassVar[str] = "personal_info"
    default_action: ClassVar[ActionKind] = ActionKind.HIDE
    default_severity: ClassVar[Severity] = Severity.HIGH

    def __init__(
        self,
        *,
        school_domains: Sequence[str] = (),
        allow_terms: Sequence[str] = (),
        region: str = "GB",
    ) -> None:
        self._school_domains = tuple(d.lower().strip(".") for d in school_domains)
        self._region = region
        self._allowed = frozenset(self._canonical_term(t) for t in allow_terms)

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """Every phone number, personal email, postcode, street address and date of birth."""
        hits: list[Hit] = []
        if "@" in text.text:
            hits.extend(self._emails(text))
        if " dot " in text.text and " at " in text.text:
            hits.extend(self._spelt_emails(text))
        t = text.text
        # The leet step reads an "@" after a letter as an "a" ("sam_t@ yahoo.com"): the
        # text before it has the "@".
        ats = _with_at(text)
        if (
            _at_written(ats, "@" in ats)
            and any(n in t for n in _WEBMAIL_NAMES)
            and _WEBMAIL_DOMAIN.search(ats) is not None
        ):
            hits.extend(self._webmail_spelt(text, ats))
        # The normaliser folds digits inside words ("m1" -> "mi"): those are
        # postcodes here, so the digits are put back.
        s = _with_digits(text)
        runs: list[tuple[int, int]] = []
        if s is not None:
            runs = [m.span() for m in _DIGIT_RUN.finditer(s)]
            # "07700 9OO 818": the letter o written for a zero is read as one.
            zeros = _o_as_zero(s, runs)
            if zeros is None:
                if _may_hold_phone(s, runs):
                    hits.extend(self._phones(text, s, own=item.is_own))
            elif _may_hold_phone(zeros, [m.span() for m in _DIGIT_RUN.finditer(zeros)]):
                hits.extend(self._phones(text, zeros, own=item.is_own))
            self._anchored(text, s, runs, hits)
            # (" turn", not "turn": "return" and "saturn" hold no age turned)
            if (
                "dob" in s
                or "born" in s
                or "birth" in s
                or "d.o.b" in s
                or " turn" in s
                or "bday" in s
                or "b-day" in s
            ):
                hits.extend(self._pattern(text, s, _DOB, "date of birth", _spaced))
                if "day" in s:  # a birthday, a bday or a b-day
                    hits.extend(self._birthdays(text, s, item.created_at.year))
        starts = _spelt_starts(t, s, runs)
        if starts:
            hits.extend(self._spelt_phones(text, starts))
        if not hits:
            return hits
        hits = [h for h in hits if h.normalised not in self._allowed]
        hits.sort(key=lambda h: (h.start, -h.end))
        return _without_overlaps(hits)

    def _phones(self, text: NormalisedText, s: str, *, own: bool) -> Iterable[Hit]:
        # Numbers the library knows are allocated, and numbers shaped like a
        # UK one (0 or +44, then a full national number): a person's number
        # is personal whether or not the range is in the library's data
        # (Ofcom's drama ranges, 07700 900xxx, are not).
        # "+44 (0)7700 900111": the "(0)" is the trunk prefix, dialled only from
        # inside the country; blanked (same length, so offsets hold) the
        # library reads the rest.
        scan = _TRUNK.sub("   ", s) if "(0)" in s else s
        out: list[Hit] = []
        others: list[tuple[int, int]] = []
        for start, end in _phone_runs(scan):
            uk = _uk_numbers(scan, start, end)
            if not uk:
                others.append((start, end))
            # A UK number needs nothing from the library (its parse costs 15 us):
            # the shape says it is one, and its E.164 form is plain.
            for begin, stop, e164 in uk:
                if not (
                    _in_link(s, begin)
                    or _not_personal(e164)
                    or _a_reference(scan, begin, stop, e164)
                    or _an_office_line(scan, begin, stop, own=own, mobile=e164.startswith("+447"))
                ):
                    out.append(self._hit(text, begin, stop, e164, "phone number"))
        if not others:
            return out
        found = [
            (begin, m)
            for begin, end in _windows(others, len(scan))
            for m in _library_matches(scan[begin:end], self._region)
        ]
        for offset, m in found:
            raw = m.raw_string
            if _IP_LIKE.match(raw) or _in_link(s, offset + m.start):
                continue  # the digits of an IP address or a link, not a phone
            digits = _NOT_PHONE_DIGIT.sub("", raw)
            # The shape first: the library's validity check costs 35 us a number.
            # A number written in international form ("+1 555 ...") is a phone
            # number to whoever reads it, allocated or not.
            if not (
                _UK_SHAPED.match(digits)
                or (digits.startswith("+") and phonenumbers.is_possible_number(m.number))
                or phonenumbers.is_valid_number(m.number)
            ):
                continue
            e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
            begin, stop = offset + m.start, offset + m.end
            if (
                _not_personal(e164)
                or _a_reference(scan, begin, stop, e164)
                or _an_office_line(scan, begin, stop, own=own, mobile=_a_mobile(m.number))
            ):
                continue
            out.append(self._hit(text, offset + m.start, offset + m.end, e164, "phone number"))
        return out

    def _spelt_phones(self, text: NormalisedText, starts: list[int]) -> Iterable[Hit]:
        """UK numbers written in words, wholly or in part ("oh seven seven double oh ...",
        "07 double 9 one two three 456 78"), each from its first word or digit to its last,
        in E.164; ``starts`` are where they may begin (``_spelt_starts``). A run of digits
        alone is left to ``_phones``."""
        t = text.text  # the normaliser keeps the digits of a token of digits
        done = 0
        for at in starts:
            run = _SPELT_RUN.match(t, at) if at >= done else None
            if run is None:
                continue  # no run there, or inside the last one (read with it)
            done = run.end()
            for begin, end, e164 in _spelt_numbers(_spelt_units(t, at, done)):
                if not (
                    _not_personal(e164) or _in_link(t, begin) or _a_reference(t, begin, end, e164)
                ):
                    yield self._hit(text, begin, end, e164, _SPELT_PHONE)

    def _emails(self, text: NormalisedText) -> Iterable[Hit]:
        s = text.text
        done = 0  # addresses do not overlap
        at = s.find("@")
        while at != -1:
            start = at
            while start > done and s[start - 1] in _LOCAL_PART:
                start -= 1
            while start < at and s[start] == ".":
                start += 1  # a sentence's full stop before the address is not in it
            domain = _DOMAIN.match(s, at + 1) if start < at else None
            if domain is None:
                at = s.find("@", at + 1)
                continue
            done = domain.end()
            at = s.find("@", done)
            if _in_link(s, start):
                continue  # "http://user@host": a link's credentials, judged as a link
            address = s[start:done].rstrip(".")
            local, _, host = address.partition("@")
            if self._organisational(local, host):
                continue
            yield self._hit(text, start, start + len(address), address, "email address")

    def _spelt_emails(self, text: NormalisedText) -> Iterable[Hit]:
        """Addresses written out to dodge filters: "lisa dot m at outlook dot com"."""
        for m in _SPELT_EMAIL.finditer(text.text):
            local = m.group("local").replace(" dot ", ".")
            domain = m.group("domain").replace(" dot ", ".")
            if self._organisational(local, domain):
                continue
            yield self._hit(text, m.start(), m.end(), f"{local}@{domain}", "email address")

    def _webmail_spelt(self, text: NormalisedText, ats: str) -> Iterable[Hit]:
        """Webmail addresses with the "@" spelt, bracketed or spaced: "jo_b at gmail.com",
        "kerrylou86 @ gmail . com". ``ats`` is ``_with_at(text)``."""
        # The leet step folds digits in "kelly1990": they are put back.
        s = ats if "@" not in text.text and "@" in ats else _with_digits(text) or text.text
        for m in _WEBMAIL_SPELT.finditer(s):
            local = _SPELT_PARTS.sub(".", m.group("local"))
            domain = _SPELT_PARTS.sub(".", m.group("domain"))
            yield self._hit(text, m.start(), m.end(), f"{local}@{domain}", "email address")

    def _organisational(self, local: str, domain: str) -> bool:
        domain = domain.lower()
        if any(domain == d or domain.endswith("." + d) for d in self._school_domains):
            return True
        if domain.endswith(_ORGANISATION_SUFFIXES):
            return True
        return local.lower() in _ROLE_ADDRESSES

    def _anchored(
        self, text: NormalisedText, s: str, runs: list[tuple[int, int]], hits: list[Hit]
    ) -> None:
        """Postcodes and street addresses, tried only at the digit ``runs`` that may start
        them."""
        public = -1  # where a public place's street address ended
        for at, end in runs:
            street = _STREET.match(s, at) if _may_start_street(s, at, end) else None
            if street is not None and _a_public_place(s, at):
                public = street.end()
                continue  # a venue's or a business's published address
            if street is not None:
                hits.append(
                    self._hit(text, at, street.end(), _spaced(street.group()), "street address")
                )
            elif end - at <= 4 and _after_number_word(s, at):
                named = _NUMBER_AFTER_STREET.search(s, max(0, at - _STREET_REACH), at)
                if named is not None and _a_name(text, named.start("street")):
                    begin = named.start("street")
                    hits.append(
                        self._hit(text, begin, end, _spaced(s[begin:end]), "street address")
                    )
            # An outward code has one or two letters before its digit, so
            # without a letter just before the run ("year 6", "£3.50") there
            # is none: the two regex calls are skipped.
            if not at or not "a" <= s[at - 1] <= "z":
                continue
            for begin in (at - 2, at - 1):
                postcode = _POSTCODE.match(s, begin) if begin >= 0 else None
                if postcode is not None and not (
                    _a_public_place(s, begin) or _the_town_after(s, public, begin)
                ):
                    hits.append(
                        self._hit(
                            text,
                            begin,
                            postcode.end(),
                            _postcode_form(postcode.group()),
                            "UK postcode",
                        )
                    )
                    break

    def _pattern(
        self,
        text: NormalisedText,
        s: str,
        pattern: re.Pattern[str],
        what: str,
        canonical: Callable[[str], str],
    ) -> Iterable[Hit]:
        for m in pattern.finditer(s):
            yield self._hit(text, m.start(), m.end(), canonical(m.group()), what)

    def _birthdays(self, text: NormalisedText, s: str, year: int) -> Iterable[Hit]:
        """Each birthday given with a date whose year is ``_YEARS_BACK`` or more before
        ``year`` (the message's)."""
        for m in _BIRTHDAY_DATE.finditer(s):
            if _year_of(m.group(1), year) <= year - _YEARS_BACK:
                yield self._hit(text, m.start(), m.end(), _spaced(m.group()), "date of birth")

    def _hit(self, text: NormalisedText, start: int, end: int, normalised: str, what: str) -> Hit:
        begin, stop = text.original_span(start, end)
        return Hit(
            rule=self.id,
            severity=self.default_severity,
            start=begin,
            end=stop,
            match=text.original[begin:stop],
            normalised=normalised,
            entry=what,
        )

    def _canonical_term(self, term: str) -> str:
        """An allow-term in the form findings' ``normalised`` takes."""
        term = term.strip()
        if "@" in term:
            return term.lower()
        if _POSTCODE.fullmatch(term.lower()):
            return _postcode_form(term.lower())
        try:
            number = phonenumbers.parse(term, self._region)
        except phonenumbers.NumberParseException:
            return _spaced(term.lower())
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _with_digits(text: NormalisedText) -> str | None:
    """The normalised text with the digits the leet step folded put back (same length),
    or None when neither it nor the original holds a digit."""
    s = text.text
    if not text.leet_folded:
        # No digit was folded: the normalised text has them all (and most
        # often is ASCII, the fast case for the search).
        return s if _has_digit(s) else None
    if text.before_leet is not None:
        # What normalise gives: the digits are where they were before the leet step.
        return _digits_put_back(s, text.before_leet)
    # Otherwise (a text made by hand) they are found through the offsets.
    original = text.original
    if not _has_digit(original):
        # Nothing to put back; digits NFKC made ("１" -> "1") are in s already.
        return s if _has_digit(s) else None
    if sum(map(s.count, "0123456789")) == sum(map(original.count, "0123456789")):
        return s  # no digit was folded
    # Only the original's digits are visited: find where each landed.
    chars = list(s)
    for m in _DIGIT_RUN.finditer(original):
        for at in range(m.start(), m.end()):
            j = bisect.bisect_left(text.offsets, at)
            if j < len(chars) and text.offsets[j] == at and chars[j] != original[at]:
                chars[j] = original[at]
    return "".join(chars)


def _library_matches(s: str, region: str) -> list[phonenumbers.PhoneNumberMatch]:
    """The phone numbers the library finds in ``s``; none if it fails on it."""
    try:
        return list(
            phonenumbers.PhoneNumberMatcher(s, region, leniency=phonenumbers.Leniency.POSSIBLE)
        )
    except Exception:  # a library's parsing failure is "no number"
        return []


def _phone_runs(s: str) -> list[tuple[int, int]]:
    """Each run of digits and separators in ``s`` holding seven digits or more (a phone
    number's least), from its first digit, "+" or "(" to its last digit."""
    runs: list[tuple[int, int]] = []
    for sign in _PHONE_SIGN.finditer(s):
        start, end = sign.span()
        if runs and start < runs[-1][1]:
            continue  # inside the last run
        while start > 0 and s[start - 1] in _PHONE_CHARS:
            start -= 1
        while end < len(s) and s[end] in _PHONE_CHARS:
            end += 1
        while s[start] not in "+(0123456789":
            start += 1
        while s[end - 1] not in "0123456789":
            end -= 1
        if s[start] == "(" and s.count("(", start, end) > s.count(")", start, end):
            start += 1  # "(call 07911 ..." opens a bracket the number does not close
        runs.append((start, end))
    return runs


def _may_hold_phone(s: str, runs: list[tuple[int, int]]) -> bool:
    """Whether ``s`` holds what ``_PHONE_SIGN`` finds (seven digits, at most two of its
    separators between each), told from its digit ``runs`` without scanning it again."""
    count = 0
    last = -1
    for start, end in runs:
        if last < 0 or start - last > 2 or s[last:start].strip(_PHONE_SEPARATORS):
            count = 0  # the first run, or one too far from the last to continue a number
        count += end - start
        if count >= 7:
            return True
        last = end
    return False


def _uk_numbers(s: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """The UK-shaped numbers in the run ``s[start:end]``, with their E.164 forms: its
    groups of digits, taken left to right as few at a time as make one ("year 6 07911
    123456", two numbers one after the other)."""
    groups = [(m.start(), m.end(), m.group()) for m in _DIGIT_GROUP.finditer(s, start, end)]
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(groups):
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j][2]
            if len(digits) > _LONGEST_UK:
                break
            if _UK_SHAPED.match(digits):
                begin, stop = groups[i][0], groups[j][1]
                if begin > start and s[begin - 1] == "(" and ")" in s[begin:stop]:
                    begin -= 1  # "(0113) 496 0555"
                found.append((begin, stop, _uk_e164(digits)))
                i = j
                break
        i += 1
    return found


def _with_at(text: NormalisedText) -> str:
    """The normalised text, or (the same length) the text before the leet step when that
    has an "@" the leet step folded: it has the digits too."""
    before = text.before_leet
    if before is not None and "@" in before and "@" not in text.text:
        return before
    return text.text


def _at_written(t: str, at_sign: bool) -> bool:
    """Whether ``t`` has an "@" spelt, bracketed or spaced ("jo at", "jo(at)", "jo @"):
    substring tests in a chain, a third of the cost of ``any`` over a tuple of them."""
    return (
        " at " in t or "(at)" in t or "[at]" in t or "{at}" in t
        or (at_sign and (" @" in t or "@ " in t))
    )  # fmt: skip


def _not_personal(e164: str) -> bool:
    """Whether the number ``e164`` is an organisation's by its kind: a helpline schools
    publish, freephone, non-geographic, business rate or premium."""
    return (
        e164 in _PUBLIC_NUMBERS
        or e164.startswith(_SERVICE_PREFIXES)
        or _HELPLINE_116.match(e164) is not None
    )


def _a_reference(s: str, start: int, end: int, e164: str) -> bool:
    """Whether the number ``s[start:end]`` (``e164``) is a reference, not a phone number:
    laid out in groups of four, or a few words after "ref", "order", "account" ... in the
    same sentence with no word for a phone between. A UK mobile number is none: no
    reference is shaped like one, and "my PayPal account is 07911 ..." is a person's."""
    if _FOUR_FOURS.match(s[start:end]):
        return True
    if e164.startswith("+447"):
        return False
    begin = max(0, start - _REFERENCE_REACH)
    before = s[begin:start]
    ends = [m.end() for m in _SENTENCE_END.finditer(before)]
    if ends:
        before = before[ends[-1] :]
    found = [m.end() for m in _REFERENCE_WORD.finditer(before)]
    return bool(found) and _PHONE_WORD.search(before, found[-1]) is None


def _after_number_word(s: str, at: int) -> bool:
    """Whether the digits at ``s[at]`` come just after "number", "num" or "no" (as
    ``_NUMBER_AFTER_STREET`` ends): a slice and a test, where that pattern's search
    would read back over sixty characters for every time and year in a text."""
    return s[max(0, at - 9) : at].rstrip().endswith(("number", "num", "no", "no."))


def _a_name(text: NormalisedText, start: int) -> bool:
    """Whether the word at ``text.text[start]`` is written with a capital, as a street's
    name is ("we live on Kingsway, number 118"), and is no article ("on the edge,
    number 10", "live in hope")."""
    first = text.original_span(start, start + 1)[0]
    word = text.text[start:].split(" ", 1)[0]
    return text.original[first : first + 1].isupper() and word not in ("the", "a", "an", "my")


def _an_office_line(s: str, start: int, end: int, *, own: bool, mobile: bool) -> bool:
    """Whether the number at ``s[start:end]`` is an organisation's published landline,
    not a person's: by what its sentence says before it (an office, "the school office
    number is 01632 960450", "reception: 0113 ...", a public body, "I rang the council
    on ...", or a business, "Mark's Plumbing & Heating 0161 ..."), by a phone menu after
    it ("option 1 for absences"), or on the school's own post by "us" or "our" in its
    sentence ("you can now reach us on ...", "phone 0151 ... if you need us"). Never
    a number rung "at home" ("ring us at home, 01750 ..., after the council meeting"). A
    business's needs a sentence that speaks of no person ("runs
    a garage but ring me at home on ..."). A ``mobile`` number is a person's whatever is
    said around it (a teacher's "ring me on 07...", a parent abroad's "if the office
    needs me I'm on +40 742 ...", a sole trader's own phone)."""
    if mobile:
        return False
    if _MENU_AFTER.match(s, end) is not None:
        return True
    before = _sentence_before(s, start)
    after = _sentence_after(s, end)
    if _AT_HOME.search(before) is not None or _AT_HOME.search(after) is not None:
        return False
    if (
        _OFFICE_WORD.search(before) is not None
        or (_BUSINESS_WORD.search(before) is not None and _A_PERSONS.search(before) is None)
        or (own and _US.search(before + " " + after) is not None)
    ):
        return True
    if _ONLY_A_PHONE_WORD.fullmatch(before) is None:
        return False
    # "Penhallow Coaches, Unit 3, Trewidden Road. Tel 01736 ...": the sentence before names
    # the business, and neither speaks of a person ("Office closed. Call 0113 ... for my
    # husband" is his)
    stop = len(s[: start - len(before)].rstrip()) - 1  # that sentence's full stop
    previous = _sentence_before(s, max(stop, 0))
    return (
        _BUSINESS_WORD.search(previous) is not None
        and _A_PERSONS.search(previous + " " + after) is None
    )


def _a_public_place(s: str, start: int) -> bool:
    """Whether the address or postcode at ``s[start]`` is a public place's by what its
    sentence says before it: a venue or a business is named ("at the Midland Hotel,
    Peter Street, M60 2DS") and nobody's home ("she lives by the church, 4 Elm Road",
    "my nan's flat above the shop, 12 High St")."""
    before = _sentence_before(s, start)
    return _PLACE_WORD.search(before) is not None and _HOME_WORD.search(before) is None


def _the_town_after(s: str, street_end: int, at: int) -> bool:
    """Whether ``s[at]`` (a postcode) follows the street address ending at ``street_end``
    with only a town between ("18 Grange Road, Birkenhead CH41 2PL")."""
    return 0 <= street_end <= at and _TOWN_BETWEEN.fullmatch(s, street_end, at) is not None


def _sentence_before(s: str, start: int) -> str:
    """What the sentence holding ``s[start]`` says before it (at most ``_OFFICE_REACH``
    characters)."""
    before = s[max(0, start - _OFFICE_REACH) : start]
    ends = [m.end() for m in _SENTENCE_END.finditer(before)]
    return before[ends[-1] :] if ends else before


def _year_of(date: str, now: int) -> int:
    """The year of a date that has one (``_DATE_WITH_YEAR``); two digits are read as the
    latest year not after ``now``'s ("68" is 1968, "16" is 2016 in 2026)."""
    four = _FOUR_DIGIT_YEAR.search(date)
    if four is not None:
        return int(four.group())
    two = int(date[-2:])
    century = now - now % 100
    return century + two if century + two <= now else century - 100 + two


def _sentence_after(s: str, end: int) -> str:
    """What the sentence holding ``s[end - 1]`` says after it (at most ``_OFFICE_REACH``
    characters)."""
    after = s[end : end + _OFFICE_REACH]
    stop = _SENTENCE_END.search(after)
    return after if stop is None else after[: stop.start()]


def _a_mobile(number: phonenumbers.PhoneNumber) -> bool:
    """Whether ``number`` is a mobile's by its country's numbering plan (where a plan
    cannot tell mobile from landline, as in the US, it is read as either)."""
    kind = phonenumbers.number_type(number)
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def _o_as_zero(s: str, runs: list[tuple[int, int]]) -> str | None:
    """``s`` with the letter o read as a zero in each word of digits and o's ("9oo",
    "o77oo"), or None when it has no such word. Only runs of digits with an o beside them
    are looked at, so most text costs two character tests a run."""
    spans: list[tuple[int, int]] = []
    length = len(s)
    for start, end in runs:
        if not ((start and s[start - 1] == "o") or (end < length and s[end] == "o")):
            continue
        if spans and start < spans[-1][1]:
            continue  # in the word just read
        begin, stop = start, end
        while begin and s[begin - 1] in _DIGITS_AND_O:
            begin -= 1
        while stop < length and s[stop] in _DIGITS_AND_O:
            stop += 1
        if (begin and s[begin - 1].isalnum()) or (stop < length and s[stop].isalnum()):
            continue  # part of a word: "so16", "2nd"
        spans.append((begin, stop))
    if not spans:
        return None
    pieces: list[str] = []
    done = 0
    for begin, stop in spans:
        pieces.extend((s[done:begin], s[begin:stop].replace("o", "0")))
        done = stop
    pieces.append(s[done:])
    return "".join(pieces)


def _uk_e164(digits: str) -> str:
    """The E.164 form of UK-shaped ``digits`` (national, "+44" or "0044" form)."""
    return "+44" + digits.removeprefix("+44").removeprefix("0044").removeprefix("0")


class _Unit(NamedTuple):
    """One unit of a number written in words: "seven", "double oh", "456", "plus"."""

    start: int
    end: int
    digits: str  # what it spells: "double oh" is "00", "plus" is "+"
    word: bool  # written in words, not digits
    opens: bool  # a number may start with it (its zero or +44, not "o" or "nil")


def _spelt_starts(t: str, s: str | None, runs: list[tuple[int, int]]) -> list[int]:
    """Where in ``t`` a UK number written in words may start, in order: at every start
    ``_spelt_units`` marks as opening a number, and a few more (its zero in prose: "oh
    no"). ``s`` and its digit ``runs`` are ``check``'s.

    Most comments have no zero written as a word, and then this costs four substring
    tests and (when there are digits) a look at where each digit run starts.
    """
    starts: list[int] = []
    # "z" is a one-character search (memchr), and rare: "zero" is sought only then.
    if "oh" in t or "nought" in t or "plus" in t or ("z" in t and "zero" in t):
        starts.extend(m.start() for m in _SPELT_OPENING.finditer(t))
    if s is not None and ("0" in s or "+" in s):
        # A digit run starting with 0 ("07 double 9"), or "+44 seven seven ...";
        # not one inside a word ("r0bux").
        for start, _ in runs:
            before = s[start - 1] if start else " "
            if s[start] == "0" and not before.isalnum():
                starts.append(start)
            elif before == "+":
                starts.append(start - 1)
    if not starts:
        return starts
    return sorted([_repeat_before(t, at) for at in starts])


def _repeat_before(t: str, at: int) -> int:
    """``at``, or where "double"/"triple" just before it starts: "double oh four four"
    (0044) starts at "double"."""
    repeat = _REPEAT_BEFORE.search(t, max(0, at - 16), at)
    return at if repeat is None else repeat.start()


def _spelt_units(t: str, start: int, end: int) -> list[_Unit]:
    """The units of the run ``t[start:end]`` that ``_SPELT_RUN`` found."""
    units: list[_Unit] = []
    for m in _SPELT_TOKEN.finditer(t, start, end):
        repeat, unit, hundreds = m.group(1), m.group(2), m.group(3)
        digits = _WORD_DIGITS.get(unit, unit)  # a group of digits is itself
        if repeat is not None:
            digits *= _REPEATS[repeat]
        if hundreds is not None:
            digits += _ZEROS_AFTER[hundreds]
        word = repeat is not None or hundreds is not None or unit in _WORD_DIGITS
        opens = digits[0] in "0+" and unit not in _NOT_OPENING
        units.append(_Unit(m.start(), m.end(), digits, word, opens))
    return units


def _spelt_numbers(units: list[_Unit]) -> list[tuple[int, int, str]]:
    """The UK numbers the ``units`` of one run spell, with their spans and E.164 forms:
    from each unit a number can start with, the longest it spells, then on from the unit
    after it. Only numbers with a word in them: digits alone are ``_phones``' findings."""
    found: list[tuple[int, int, str]] = []
    if not any(unit.word for unit in units):
        return found  # "07911 123456": the usual number, read at no more cost
    i = 0
    while i < len(units):
        longest = _longest_uk(units, i) if units[i].opens else None
        if longest is None:
            i += 1
            continue
        last, digits = longest
        spelt = any(unit.word for unit in units[i : last + 1])
        if spelt and not digits.startswith(_COUNTING):
            found.append((units[i].start, units[last].end, _uk_e164(digits)))
        i = last + 1
    return found


def _longest_uk(units: list[_Unit], first: int) -> tuple[int, str] | None:
    """The longest UK-shaped number spelt from unit ``first`` on, as the index of the unit
    it ends in and its digits; None if none starts there.

    The longest, not the first: a word is one digit, so "oh one one three four nine six oh
    five five five" is UK-shaped (01...) at ten digits and at eleven. It may end inside a
    group of digits ("07 double 9 one two three 456 78" spells one digit more than a
    mobile number has): a number written so is still given, and the hit covers the group.
    """
    best: tuple[int, str] | None = None
    digits = ""
    for j in range(first, len(units)):
        before = len(digits)
        digits += units[j].digits
        for length in range(before + 1, min(len(digits), _LONGEST_SPELT) + 1):
            if _UK_SHAPED.match(digits, 0, length):
                best = (j, digits[:length])
        if len(digits) >= _LONGEST_SPELT:
            break
    return best


def _windows(runs: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """The stretches the phone number library reads: each run with a margin either side
    for the words it looks at ("ext. 12", a time's ":30"), overlapping ones merged. Far
    faster than the library reading all of a long comment, and it finds the same
    numbers."""
    windows: list[tuple[int, int]] = []
    for start, end in runs:
        begin, stop = max(0, start - _PHONE_MARGIN), min(length, end + _PHONE_MARGIN)
        if windows and begin <= windows[-1][1]:
            begin = windows.pop()[0]
        windows.append((begin, stop))
    return windows


def _digits_put_back(folded: str, before: str) -> str | None:
    """``folded`` with each digit of ``before`` (the same text before the leet step, the
    same length) where it was, or None when neither holds a digit."""
    runs = list(_DIGIT_RUN.finditer(before))
    if not runs:
        return folded if _has_digit(folded) else None
    pieces: list[str] = []
    done = 0
    for run in runs:
        start, end = run.span()
        if folded[start:end] != before[start:end]:
            pieces.extend((folded[done:start], before[start:end]))
            done = end
    if not pieces:
        return folded
    pieces.append(folded[done:])
    return "".join(pieces)


def _in_link(s: str, at: int) -> bool:
    """Whether position ``at`` of ``s`` lies inside a URL (its whitespace-delimited chunk
    holds "://" or starts "www.")."""
    begin = max(s.rfind(" ", 0, at), s.rfind("\n", 0, at)) + 1
    end = len(s)
    for sep in (" ", "\n"):
        found = s.find(sep, at)
        if found != -1:
            end = min(end, found)
    chunk = s[begin:end]
    return "://" in chunk or chunk.startswith("www.")


def _has_digit(s: str) -> bool:
    """Whether ``s`` holds an ASCII digit. Ten substring tests (each a C scan) take a
    third of the time of a regex character class scanning the text."""
    return (
        "0" in s or "1" in s or "2" in s or "3" in s or "4" in s
        or "5" in s or "6" in s or "7" in s or "8" in s or "9" in s
    )  # fmt: skip


def _may_start_street(s: str, start: int, end: int) -> bool:
    """Whether the digit run ``s[start:end]`` may begin a street address, judged by the
    characters around it as ``_STREET`` would, without calling it: most digit runs in
    comments are prices, times and dates ("£3.50", "9am", "5.30")."""
    if start and (s[start - 1].isalnum() or s[start - 1] in _NOT_BEFORE_NUMBER):
        return False
    # [0-9]{1,4}[a-z]?,? then a space
    after = s[end : end + 2]
    return after[:1] in (" ", ",") or (after[:1].isalpha() and after[1:] in (" ", ","))


def _postcode_form(matched: str) -> str:
    return matched.replace(" ", "").upper()


def _spaced(matched: str) -> str:
    return " ".join(matched.split())


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    """Hits in order, without one lying inside an earlier one (a postcode in an address)."""
    kept: list[Hit] = []
    reach = -1
    for hit in hits:
        if hit.end <= reach and kept:
            continue
        kept.append(hit)
        reach = max(reach, hit.end)
    return kept
