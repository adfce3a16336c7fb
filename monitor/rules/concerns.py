"""Safeguarding concerns no phrase list can hold: two signs together in one message.

Three blind-written labelled sets showed the same thing: children, predators
and people making threats phrase the same concern a hundred ways, and a list
of phrasings catches under half of a set it has not seen. What stays the same
is the pair of signs: a weapon and an intent ("bringin a knife tmrw"), an
injury and a cover story ("a bruise where she grabbed me, told miss i fell"),
a gift and a request for the child's address, a photo reference and a bus.
Each concern here is such a pair (or one sign strong enough alone), matched
within a sentence or, where the message is split in two ("is that the girl
in the 3rd pic? does she still get the 12 bus"), within a short window.

Precision is kept by writing each sign narrowly (first person where a
disclosure is first person; "shot up", not "shoot") and by leaving out what
a school's page is full of: teaching about these subjects ("knife crime
awareness", "our e-safety lesson on self-harm") silences the threat and
self-harm concerns, and sports talk ("we'll batter them on Saturday") never
reaches the violence concern, which needs a place or a victim.

Speed: every concern has anchor words, one of which every match holds; they
ride the automaton the word lists share (``phrases.share_prefilter``, this
is one of its clients), so a text with no anchor costs nothing here. Only the
concerns whose anchors were found run their pattern. A concern of several pairings
whose words are common (the farewell) is several records of one entry, each one
sign searched with the other ``near`` it, so a text pays only for the signs whose
words it holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from monitor.rules.normalise import NormalisedText

_Hits = Iterable[tuple[int, int]]

# Within one sentence, and within a short message split into sentences.
_SENTENCE = r"[^.!?\n]{0,80}?"
_WINDOW = r"[\s\S]{0,120}?"
_NEAR = 120


def _either(a: str, b: str, gap: str = _SENTENCE) -> str:
    """``a`` and ``b`` in either order, ``gap`` apart."""
    return rf"(?:{a}){gap}(?:{b})|(?:{b}){gap}(?:{a})"


def _words(*alternatives: str) -> str:
    return rf"\b(?:{'|'.join(alternatives)})\b"


# --- the signs --------------------------------------------------------------
_I_WILL = r"i'?ll|ill|i\s+will|i'?m\s+(?:gonna|going\s+to)|im\s+(?:gonna|going\s+to)|imma|ima"
_SOON = (
    r"tmrw|tmr|tomorrow|tomoz|tmoz|2moro|2morrow|tonight|monday|tuesday|wednesday|thursday"
    r"|friday|mon|tues|wed|thurs|fri|after\s+school|next\s+week|this\s+week"
)
_WEAPON = r"knife|knives|blade|machete|zombie\s+knife|gun|guns|shank|acid|bomb|bombs|pistol|shotgun"
_ATTACK = (
    # (not "get stabbed": that is the writer threatened, a disclosure)
    r"(?<!get\s)(?<!got\s)(?<!\bbe\s)(?<!been\s)(?<!getting\s)"
    r"(?:stab(?:s|bed|bing|ed|in)?|shank(?:ed|ing)?)|shank(?:ed|ing)?"
    r"|shoot(?:ing)?\s+(?:it\s+)?up|shot\s+up"
    r"|blow(?:ing)?\s+(?:it\s+|the\s+\w+\s+)?up|blown\s+up|bomb(?:ed|ing)\s+(?:it|the|this|that)"
)
_THREAT_INTENT = (
    rf"{_I_WILL}|gonna|going\s+to|gunna|bring(?:ing|in)?|brought|{_SOON}|not\s+joking"
    r"|i\s+swear|watch|u\s+wait|you\s+wait|dead"
)
# Teaching and news about weapons are not threats.
_WEAPON_TEACHING = re.compile(
    _words(
        "awareness",
        "workshops?",
        "assembly",
        "amnesty",
        "lessons?",
        "talks?",
        "crime",
        "campaign",
        "first\\s+aid",
        "surrender",
        "bins?",
        "police\\s+visit",
        "safety",
        "news",
        "article",
        "report(?:ed)?",
        "charity",
        "butter",
        "cake",
        "bread",
        "pizza",
        "glue",
        "hot\\s+glue",
        "nerf",
        "water\\s+guns?",
        "water\\s+pistols?",
        "plastic",
        "fork",
        "picnic",
        "kitchen",
        "craft",
        "chopping",
        "carving",
    )
)
_BEAT = (
    r"batter(?:ed|ing)?\s+(?!them\b|us\b|mix)\w+|beat\s+(?:\w+\s+){1,2}up"
    r"|kick\s+(?:\w+\s+){1,2}head\s+in"
    r"|smash\s+(?:his|her|ur|your|their)\s+(?:face|head)\s+in"
    r"|break\s+(?:his|her|ur|your|their)\s+(?:\S+\s+)?(?:legs?|arms?|neck|jaw|nose|face)"
)
_BEAT_PLACE = (
    r"after\s+school|behind\s+the|at\s+the\s+gates?|outside\s+(?:the\s+)?(?:school|gates?)"
    r"|on\s+(?:the|his|her|ur|your)\s+way\s+home|come\s+(?:and\s+)?watch|everyone\s+come"
    rf"|myself|meself|not\s+joking|{_I_WILL}"
)
_DEAD = (
    r"\b(?:ur|you'?re|youre|u\s+r|you\s+are|yous\s+are|yall|y'?all\s+are)\s+(?:all\s+)?dead\b"
    r"(?!\s+(?:right|good|lucky|funny|nice|proud|excited|cute|clever|jealous|keen|easy|on|serious"
    r"|brilliant|posh|impressive|sweet|wrong|quiet|late|busy|popular|talented))"
)
# Self-harm, suicide and eating, first person.
_CUTTING = (
    r"\b(?:started|start|starting|been|keep|kept|back\s+to|relapsed?(?:\s+and)?|stopped|still|was)"
    r"\s+cutting(?:\s+again)?\b(?!\s+(?:the|a|an|out|down|back|off|up|it|them|my\s+hair|hair"
    r"|costs?|budgets?|grass|corners|paper|shapes|class|school|lessons?))"
    r"|\bcut(?:ting)?\s+(?:my|me)\s+(?:arms?|wrists?|legs?|thighs?|skin)\b"
    r"|\b(?:fresh|new)\s+cuts\b|\bhide\s+(?:my\s+|the\s+|me\s+)?(?:cuts|scars)\b"
)
_FAREWELL = (
    r"last\s+(?:post|message)|goodbye|good\s+bye"
    r"|won'?t\s+be\s+(?:here|around)|by\s+the\s+time\s+(?:you|u|anyone)\s+read"
    r"|letters?\s+(?:to|for)\s+(?:everyone|every1|everyi|my\s+(?:family|mum|mam|friends))"
    r"|delet(?:e|ing)\s+(?:all\s+)?(?:my|me)\s+(?:accounts|socials|account\s+for\s+good)"
)
_SORRY_FAMILY = (
    r"(?:sorry|love\s+(?:you|u)|love\s+ya|forgive\s+me)\s+(?:mum|mam|mom|dad|nan|everyone|all|guys)"
    r"|tell\s+my\s+(?:mum|mam|mom|dad|nan)\s+i|look\s+after\s+my\s+(?:mum|mam|mom|dog|cat"
    r"|sister|brother)"
)
# Said at the end of something: with a farewell, or two of them together.
_SORRY_ALL = (
    r"sorry\s+for\s+everything|(?:can'?t|cant|cannot)\s+do\s+this\s+any\s*more"
    r"|(?:thank\s+(?:you|u)|thanks)\s+(?:all\s+)?(?:to\s+\w+\s+)?(?:\w+\s+)?(?:for\s+trying|who\s+tried)"
    r"|only\s+one\s+who\s+(?:was\s+)?(?:ever\s+)?(?:nice|kind)\s+to\s+me"
    r"|(?:wasn'?t|wasnt|isn'?t|isnt|not)\s+(?:their|your|ur|anyone'?s)\s+fault"
    r"|won'?t\s+matter\s+(?:anyway|any\s*more)"
)
# The words every match of _SORRY_ALL holds one of.
_SORRY_ALL_ANCHORS = ("sorry", "anymore", "any", "tried", "trying", "only", "fault", "matter")
# Thanks to the few who were kind: a second sign, near a farewell or a "bye" (whose words
# are the anchors)
_KIND_TO_ME = (
    r"(?:few|ones|people|those)\s+who\s+(?:were|was|have\s+been)\s+(?:ever\s+)?(?:nice|kind)"
    r"\s+to\s+me"
)
_GOODBYE_NOTE = r"\b(?:goodbye|good\s*bye|suicide)\s+(?:letters?|notes?|messages?|videos?)\b"
_LEDGE = r"bridge|train\s+tracks|railway|the\s+tracks|the\s+edge|the\s+roof|cliff|multi\s*storey"
_LEDGE_DRAW = (
    r"keep\s+(?:on\s+)?(?:looking|staring|going|thinking)|kept\s+(?:looking|staring|thinking)"
    r"|jump(?:ing)?\s+(?:off|from|in\s+front)|stood\s+on|standing\s+on|end\s+it"
)
_RESTRICT = (
    r"no\s+food|not\s+eat(?:en|ing)?|haven'?t\s+eaten|havent\s+eaten|stopped\s+eating"
    r"|skip(?:ping|ped)?\s+(?:meals|lunch|breakfast|dinner|tea)|starv(?:e|ing)\s+myself"
    r"|\d+\s+days\s+(?:no|without)\s+(?:food|eating)|purg(?:e|ing)|throw(?:ing)?\s+up\s+after"
)
_BODY = (
    r"\d+\s*(?:more\s+)?(?:stone|kg|kilos?|pounds|lbs)\b|finally\s+be\s+happy|not\s+hungry"
    r"|fit\s+(?:in\s*)?(?:to\s+)?(?:the|my)\s+(?:costume|dress|outfit|jeans)|"
    r"disgusting|fat|ugly|gross|ribs|bones|hip\s*bones|thigh\s+gap|skinny|thin\s+enough|weight"
    r"|size\s+\d+|my\s+body"
)
_RIBS = r"\bsee\s+my\s+(?:ribs|bones|hip\s*bones|collar\s*bones?)\b|\bthigh\s+gap\b"
# A day's food that is almost none ("ate an apple today and that's it"), then days of it
# or a body to change ("3rd day in a row", "going to look so good for prom").
_TINY_MEAL = (
    r"(?:ate|eaten|had|eating)\s+(?:only\s+)?(?:an?|one|half\s+an?|a\s+few|some)\s+"
    r"(?:apple|banana|yogh?urt|rice\s+cakes?|crackers?|grapes|carrots?|biscuit|crisps)"
    r"(?:\s+(?:today|all\s+day|yesterday))?(?:\s*,\s*|\s+)(?:and\s+that'?s\s+(?:it|all)|nothing\s+else)"
)
_DAYS_RUNNING = (
    r"(?:\d+(?:st|nd|rd|th)?|second|third|fourth|fifth)\s+day\s+in\s+a\s+row|all\s+week"
    r"|for\s+(?:\d+|two|three|four|five|six)\s+days|(?:look|get|be)\s+(?:so\s+)?(?:good|thin|thinner|skinny|skinnier)"
    rf"|{_BODY}"
)
# Disclosures.
# A child not seen for weeks ("hasn't been in since Easter"), and a home that looks
# left ("curtains always shut", "the house has been empty") or a plea to check on them.
_NOT_SEEN = (
    r"(?:not|hasn'?t|hasnt|haven'?t|havent)\s+(?:been\s+(?:in|at\s+school|seen)"
    r"|seen\s+(?:him|her|them))\s+(?:for\s+(?:\d+|two|three|four|five|six|several|a\s+few)"
    r"\s+(?:weeks|months)|since|in\s+(?:weeks|months|ages))"
)
_LEFT_HOME = (
    r"check(?:ed|ing)?\s+on\s+(?:him|her|them|the\s+family)"
    r"|curtains\s+(?:are\s+)?(?:always\s+)?(?:shut|closed|drawn)"
    r"|(?:house|flat)\s+(?:has\s+been|is|looks)\s+empty"
)
_HUNGER = (
    r"\b(?:nothing|no\s+food|nothin)\s+in\s+(?:our|the|my|me)\s+(?:cupboards?|fridge|house"
    r"|kitchen)\b"
    r"|\b(?:haven'?t|havent|not|aint|ain'?t)\s+(?:had|ate|eaten)\s+(?:any\s+)?(?:tea|dinner"
    r"|breakfast|lunch|food|anything|a\s+meal|proper\s+food)\s+since\b"
)
_HOME_FEAR = (
    r"\b(?:scared|afraid|frightened|terrified)\s+(?:of|to)\s+(?:go(?:ing)?\s+home|my\s+(?:dad"
    r"|mum|mam|stepdad|step\s+dad|stepmum|uncle|brother|mum'?s\s+(?:boyfriend|bf)))\b"
)
_ARRIVAL = (
    r"when\s+(?:he|she|they|dad|mum|my\s+\w+)\s+(?:gets|comes)\s+(?:back|home|in)|when\s+(?:he"
    r"|she)'?s\s+drunk"
)
_FEAR = (
    r"scared|afraid|frightened|hide|hiding|dread|terrified|stay\s+(?:at|in)\s+school"
    r"|dont\s+want|don'?t\s+want"
)
_INJURY = r"bruises?|bruised|black\s+eyes?|marks|burns?"
_INJURY_CAUSE = (
    r"(?:grabbed|hit|punched|kicked|slapped|pushed|threw|shoved|strangled|choked|burnt|burned"
    r"|belted|whacked)\s+me"
    r"|where\s+(?:he|she|they|dad|mum|my\s+\w+)\s+(?:grabbed|hit|punched|kicked|slapped|pushed"
    r"|held)"
    r"|(?:step\s*dad|dad|mum|mam|uncle|boyfriend)\s+(?:did\s+(?:it|that|this)|done\s+(?:it|that)"
    r"|does\s+it|gave\s+(?:him|her|me)\s+(?:them|it|that))"
)
_COVER_STORY = (
    r"\b(?:told|tell|say|said)\s+(?:miss|sir|the\s+teachers?|my\s+teacher|everyone|them|school"
    r"|people)\s+(?:i|that\s+i)\s+(?:fell|walked|tripped|bumped|slipped)\b"
)
_NIGHT_VISIT = r"(?:comes?|coming|came|gets?|getting)\s+(?:in|into)\s+my\s+(?:room|bed)"
_NIGHT_WRONG = r"night|don'?t\s+like|dont\s+like|scared|touch\w*|asleep|lock"
_COERCED = (
    r"\b(?:makes?|made|making|forces?|forced)\s+me\s+(?:send|show|take|do|film)\b"
    r"|\b(?:post|share|leak|send|show)(?:s|ing)?\s+(?:them|my\s+(?:pics|photos|pictures|nudes"
    r"|videos?)|the\s+(?:pics|photos|pictures|nudes|videos?))\s+(?:if|unless)\b"
    r"|\bsays?\s+(?:he|she|they)(?:'?ll|\s+will|\s+would|'?d)\s+(?:post|share|leak|send|show)\b"
)
_PAID_TO_CARRY = (
    r"\b(?:pays?|paid|paying|gives?|gave)\s+(?:him|her|me|them|kids|u|you"
    r"|us)\s+(?:\S+\s+){0,3}?to\s+(?:hold|carry|keep|drop|deliver|run|move|stash"
    r"|look\s+after)\b"
)
_RECRUIT = (
    r"(?:looking|lookin|need|needs|want|wanted)\s+(?:for\s+)?(?:runners|shotters|youngers"
    r"|workers|young\s+(?:lads|ones))"
)
_RECRUIT_SIGN = (
    r"hmu|hit\s+me\s+up|feds|police|cash|easy\s+money|paid\s+daily|no\s+questions|snap"
    r"|\d+\s*-\s*\d+"
)
_EARN = r"(?:want\s+to|wanna|can|could)\s+earn\s+(?:an?\s+)?(?:easy\s+)?(?:£\s*)?\d+"
_PUPILS = r"(?:year|yr)\s*\d+|girls|boys|kids|lads"
_TWO_PHONES = r"(?:2|two|second|another|extra)\s+phones?"
_TWO_PHONES_SIGN = r"new\s+(?:trainers|clothes|shoes)|cash|money|older|pays?|paid|won'?t\s+say"
# Grooming and contact.
_AGE_ASKED = (
    r"how\s+old\s+(?:are|r|is)\s+(?:you|u|ya|she|he)|(?:tell|send|give)\s+me\s+(?:your|ur|yr)\s+age"
    r"|what\s+age\s+(?:are|r|is)\s+(?:you|u|she|he)|(?:ur|your)\s+age"
)
_PRIVATE_ASKED = (
    r"what\s+school|which\s+school|school\s+(?:u|you)\s+go|where\s+(?:u|you|she|he)\s+(?:live"
    r"|lives)"
    r"|(?:ur|your)\s+(?:home\s+)?address|which\s+gate|what\s+gate|what\s+time\s+(?:she|he)"
    r"|snap|insta"
    r"|on\s+(?:ur|your|her|his)\s+own|alone|pics?|photos?|come\s+out\s+of"
)
_SECRECY = (
    r"\b(?:our|a|my)\s+(?:little|lil|litle|lickle|special)\s+secret\b"
    r"|\bdelete\s+(?:it\s+|this\s+|them\s+|these\s+|the\s+\w+\s+)?(?:after|when|once)\s+(?:you"
    r"|u)\s+(?:read|see|seen)\b"
    r"|\b(?:don'?t|dont|do\s+not|never)\s+(?:say|mention|tell)\s+(?:nothing|anything|owt"
    r"|a\s+word)\s+"
    r"(?:to|about\s+(?:this|it|me)\s+to)\s+(?:ur|your|yr|ya)\s+(?:mum|mam|mom|dad|parents?"
    r"|teachers?|nan|family|carer)\b"
)
_EMPTY_HOUSE = (
    r"(?:my|me)\s+(?:mum|mam|mom|dad|parents|mums|folks)(?:'?s|\s+is|\s+are|\s+r)?\s+(?:out"
    r"|away|at\s+work|not\s+(?:home|in))"
)
_COME_ROUND = r"(?:come|cum)\s+(?:round|over|to)\s+(?:mine|my\s+(?:house|place|flat))"
_COME_ALONE = (
    r"\b(?:come|cum)\s+(?:on|by)\s+(?:ur|your|yr)\s+own\b|\bcome\s+alone\b|\b(?:don'?t"
    r"|dont)\s+bring\s+(?:anyone|any[1i]|no\s*one|ur\s+mates|your\s+(?:mates|friends))\b"
)
_LOOKS = (
    r"pretty|beautiful|gorgeous|stunning|cute|eyes|model|little\s+one|dress|grown\s*-?\s*up|mature"
)
_GIFT_TO_CHILD = (
    r"(?:send|buy|get|give)\s+(?:her|him)\s+(?:a\s+)?(?:little\s+)?(?:present|gift"
    r"|something\s+nice|treat)s?"
)
_MODEL = r"\b(?:she|he)\s+(?:could|should)\s+(?:be\s+a\s+)?model\b"
_GAME_MONEY = (
    r"robux|vbucks|v\s+bucks|free\s+(?:skins|coins|gems)|gift\s*cards?|amazon\s+(?:vouchers?"
    r"|cards?)"
)
_GAME_MONEY_ASK = (
    r"(?:message|msg|dm|add|follow|text|snap|inbox)\s+me|(?:your|ur)\s+(?:home\s+)?address"
    r"|(?:your|ur)\s+(?:username|password|login)|tell\s+me|whoever\s+in\s+(?:year|yr)|followers"
    r"|(?:your|ur)\s+age|what\s+school"
)
_CREDENTIALS_ASKED = (
    r"(?:your|ur|yr)\s+(?:username\s+(?:and|n|&)\s+)?(?:password|login\s+details|pin)"
)
_CREDENTIALS_BAIT = (
    r"robux|vbucks|claim|generator|unlimited|free\s+(?:robux|vbucks|skins|coins|gems|stuff|money)"
)
# A warning about that bait, not the bait: "it's a scam, never type your password".
_SCAM_WARNING = re.compile(
    r"\b(?:scams?|phishing|(?:never|don'?t|dont|do\s+not)\s+(?:type|enter|give)"
    r"|online\s+safety|e-?safety|safer\s+internet)\b"
)
_ON_CHILD_APP = (
    r"\b(?:send|sent|message|msg|text|show)\s+me\s+(?:\S+\s+){0,4}?(?:on|via"
    r"|over)\s+(?:snap\w*|sc|insta\w*|discord|tiktok|kik|telegram)\b|\b(?:hmu"
    r"|hit\s+me\s+up)\s+(?:on\s+)?(?:snap\w*|sc|insta\w*|discord|tiktok|kik|telegram)\b"
)
# A private line to an adult, offered with a way round the school ("WhatsApp me directly
# on my own phone, no need to go through the office", "message me on my Instagram, it
# doesn't need to go through your house parent", "a Snapchat group from my own account,
# easier than going through school email"): staff or a stranger moving a pupil off the
# school's channels, in other words than the lists'.
_PRIVATE_LINE = (
    r"\b(?:message|msg|dm|text|txt|whatsapp|ring|call|phone|contact|add|snap|inbox)\s+"
    r"(?!(?:the|a|an|your|our|their|school|office|reception)\b)[a-z']+\s+(?:\S+\s+){0,3}?"
    r"(?:directly|direct|privately"
    r"|(?:on|via|at|from)\s+my\s+(?:own|personal|private)"
    r"|(?:on|via)\s+my\s+(?:insta\w*|snap\w*|whatsapp|tiktok|phone|mobile|number|account))\b"
    r"|\bfrom\s+my\s+own\s+(?:account|phone|number|page)\b"
    r"|\b(?:message|msg|dm|text|txt|whatsapp|ring|call|phone|contact)\s+my\s+(?:own|personal"
    r"|private)\s+(?:phone|mobile|number|account|insta\w*|snap\w*)\b"
)
_ROUND_THE_SCHOOL = (
    r"\b(?:(?:don'?t|doesn'?t|do\s+not|does\s+not|no\s+need\s+to|needn'?t)\s+(?:need\s+to\s+)?"
    r"go\s+through|(?:easier|quicker|faster|simpler)\s+than\s+(?:going\s+through\s+)?(?:the\s+)?"
    r"(?:school|office|app|email|teams)|instead\s+of\s+(?:the\s+)?(?:school|office|app|email)"
    r"|between\s+(?:us|you\s+and\s+me|ourselves)|without\s+(?:going\s+through|telling"
    r"|involving))\b"
)
#: a warning about such messages, not one ("staff will never ask you to message them
#: directly", "red flags")
_CHANNEL_WARNING = re.compile(
    r"\b(?:never|e-?safety|online\s+safety|safeguarding|red\s+flags?|warning|beware|report)\b"
)
_PHOTO_REF = (
    r"in\s+(?:the|this|that)\s+(?:\w+\s+)?(?:pic|photo|picture|video|vid)"
    r"|(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|last)\s+(?:pic|photo|picture)"
    r"|is\s+(?:that|this)\s+(?:the\s+)?[a-z'-]+(?:\s+[a-z'-]+)?\s+(?:girl|boy|kid|lad)"
    r"|(?:second|third|first|fourth|fifth|last|\d+(?:st|nd|rd"
    r"|th)?)\s+from\s+(?:the\s+)?(?:left|right)"
)
_ROUTINE = (
    r"\bbus\b|\bgate\b|\bpark\b|\bcrossing\b|walks?\s+home|way\s+home|get\s+home|\blives?\b"
    r"|every\s+(?:morning|day|night|afternoon)|on\s+(?:her|his)\s+own|\balone\b|what\s+time"
    r"|which\s+way"
)
# A parent or grandparent pointing out their own child in a photo.
_OWN_CHILD = re.compile(
    r"\b(?:my|our)\s+(?:little\s+)?(?:son|daughter|boy|girl|child|kid|lad|twins|grandson"
    r"|granddaughter|grandchild|niece|nephew|little\s+one|youngest|eldest)s?\b"
)
# Blackmail with a child's pictures: the pictures held, and money or exposure demanded.
_IMAGES_HELD = (
    r"\b(?:got|have|saved|kept|screenshotted)\s+(?:ur|your|the|those|them|ya|all\s+(?:ur|your))"
    r"\s+(?:\w+\s+)?(?:pics?|photos?|pictures?|videos?|vids?|nudes)\b"
)
_DEMAND = (
    r"£\s*\d+|\b\d+\s*(?:quid|pounds?)\b|\bpaypal\b|\bsteam\s+cards?\b|\bgift\s*cards?\b"
    r"|\bbitcoin\b|\bcrypto\b|\bor\s+(?:it|they|them|the\s+\w+)\s+(?:goes|go|gets?)\b"
    r"|\b(?:every[1i]|everyone|every\s+one|ur\s+school|your\s+school|ur\s+mates|your\s+mates"
    r"|ur\s+mum|your\s+(?:mum|parents))\s+(?:sees?|will\s+see|gets?\s+(?:them|it))"
)
# Carrying or holding things for someone, with the signs of exploitation.
_CARRY = (
    r"\b(?:carry|carrying|hold|holding|take|taking|drop|dropping|deliver|delivering|mind"
    r"|minding|stash|stashing|keep|keeping)\s+(?:a\s+|some\s+|the\s+|his\s+|their\s+)?"
    r"(?:bag|bags|package|packages|parcel|parcels|bits|stuff|things|gear)\b"
)
_CARRY_SIGN = (
    r"all\s+paid\s+for|no\s+questions|there\s+and\s+back|for\s+a\s+week|cash|owe"
    r"|if\s+i\s+(?:stop|say\s+no|dont|don'?t)|hurt|or\s+else|mak(?:es|ing)\s+me|made\s+me"
    r"|for\s+his\s+mates"
)
# Someone who comes in at night or bedtime.
_BEDTIME = r"bedtime|bed\s*time|at\s+night|night\s*time|when\s+i'?m\s+(?:asleep|in\s+bed)"
_COMES_IN = (
    r"(?:uncle|stepdad|step\s*dad|dad|brother|cousin|grandad|lodger|he|mum'?s\s+(?:boyfriend|bf))"
    r"\s+(?:comes|come|came|creeps|gets|sneaks)\s+in"
)
# A stranger on a child's looks, asking where the child is.
_LOOKS_ONLY = r"stunning|gorgeous|beautiful|pretty|fit|hot|sexy|cute|peng|fine"
_WHICH_CLASS = (
    r"what\s+(?:class|year|school|form)\s+(?:is|r|does)\s+(?:she|he)|how\s+old\s+is\s+(?:she|he)"
    r"|where\s+(?:does|do)\s+(?:she|he)\s+(?:live|go)"
)
_THESE_KIDS_PLAY = (
    r"\b(?:which|what)\s+(?:park|playground|rec|field)\b[^.!?\n]{0,30}?\b(?:these"
    r"|those)\s+(?:kids|children|girls|boys|lads)\b"
)

# Radicalisation: a grievance offered to young people, and an invitation.
_GRIEVANCE = (
    r"(?:our|this|the)\s+country\s+(?:is\s+)?(?:being\s+)?(?:taken|stolen|lost|destroyed|invaded)"
    r"|(?:happening|done)\s+to\s+(?:this|our)\s+country|real\s+(?:patriots?|believers|brothers)"
    r"|patriots|race\s+war|white\s+(?:genocide|race|power)|great\s+replacement|kuffar|infidels?"
    r"|take\s+(?:power|control|our\s+country|the\s+country)\s+back"
    r"|take\s+back\s+(?:power|control|our\s+country|the\s+country)"
    r"|sick\s+of\s+(?:being\s+told|women|feminists|teachers\s+telling)"
    r"|school\s+(?:lies|is\s+lying)\s+to\s+(?:you|u|us)"
)
_INVITE = (
    r"join|message\s+me|dm\s+me|msg\s+me|pm\s+me|we\s+meet|the\s+meet|group\s*chat|a\s+chat"
    r"|our\s+chat|invited|\d+\s*\+|lads|boys|young\s+(?:lads|men|people|ones)|prepare"
)
_EXTREMISM_TEACHING = re.compile(
    _words(
        "prevent",
        r"radicali[sz]\w*",
        r"extremis\w*",
        "assembly",
        "lessons?",
        "workshops?",
        "awareness",
        "history",
        "holocaust",
        "ww2",
    )
)
# Lifts offered to children by a man, a stranger or a member of staff: what a
# parent asks of another parent ("can anyone give my lad a lift", "lift share") has
# no such giver, and teaching about strangers ("offers us sweets, a lift") says so.
_LIFT_OFFER = (
    r"(?:giving|gives|gave|offering|offers|offered|asking|asked|asks)\s+(?:\S+\s+){0,10}?"
    r"lifts?(?!\s*-?\s*shar)"
)
_LIFT_GIVER = (
    r"(?:grown\s+|older\s+|old\s+)?(?:man|men|bloke|blokes|guy|guys|fella|stranger|strangers"
    r"|lads|driver|teacher|coach|gentleman|boyfriend)"
)
_STRANGER_TEACHING = re.compile(
    _words(
        "awareness",
        r"safe\s+adults?",
        r"tricky\s+people",
        r"talked\s+about",
        r"learn(?:ed|t|ing)?\s+about",
        "lessons?",
        "assembly",
    )
)
# A sexual remark about a child: the remark, and a sign the subject is a child.
_SEXUAL_REMARK = (
    r"sexy|hot\s+for\s+(?:a\s+)?(?:\d+|her\s+age|his\s+age|a\s+(?:year|yr))"
    r"|fit\s+for\s+(?:a\s+)?(?:\d+|her\s+age|his\s+age|a\s+(?:year|yr))"
    r"|(?:well\s+)?developed\s+for|(?:little|lovely|nice|long)\s+(?:legs|bum|body|figure)"
    r"|legs\s+(?:in|on)\s+(?:the|that|her|them)|body\s+on\s+(?:her|him|that)|thicc|jailbait"
    r"|barely\s+legal"
)
_CHILD_SIGN = (
    r"year\s*\d+|yr\s*\d+|y\d+|(?:1[0-5]|[5-9])(?:\s*(?:yo|y/o|years?\s+old))?"
    r"|(?:her|his)\s+age|pe\s+kit|uniform|school\s*girls?|how\s+old|little\s+girls?"
    r"|(?:\d+(?:st|nd|rd|th)|first|second|third|last)\s+(?:pic|photo)|on\s+the\s+(?:end|left|right)"
    r"|in\s+the\s+middle"
)
# A threat to the school's safety: a warning to keep children away, and a threat's tone.
_KEEP_AWAY = (
    r"keep\s+(?:your|ur|yr|the)\s+(?:kids|children|child|little\s+ones)\s+(?:at\s+)?home"
    r"|something\s+(?:big|bad|terrible|nasty)\s+(?:is\s+)?(?:going\s+to|gonna|will)\s+(?:happen"
    r"|go\s+down|kick\s+off)"
)
_MENACE = (
    r"not\s+joking|if\s+(?:you|u)\s+know\s+what'?s\s+good|been\s+warned|i'?m\s+warning|warning\s+(?:you|u)"
    r"|(?:you'?ll|youll|u'?ll|u\s+will|you\s+will)\s+see|mark\s+my\s+words|last\s+warning|or\s+else"
    r"|don'?t\s+say\s+(?:you|u|i)\s+didn'?t"
)
# Someone photographing children from outside.
_FILMING_CHILDREN = (
    r"(?:taking|took|takes|filming|filmed|films|photographing|photographed)\s+(?:(?:pictures|pics"
    r"|photos|videos?|vids)\s+of\s+)?(?:the\s+)?(?:\w+\s+)?(?:kids|children|girls|boys|pupils"
    r"|little\s+ones)"
)
_LURKING = (
    r"man|bloke|guy|fella|stranger|van|car|fence|railings|lurking|parked|hanging\s+(?:about|around)"
    r"|sat\s+(?:outside|in)|every\s+(?:day|afternoon|morning)|all\s+week|watching|alley\w*"
    r"|zoom(?:ed|ing)?|engine\s+running|through\s+the\s+(?:fence|railings|gates?)|behind\s+the"
)
_SCHOOL_PHOTOS = re.compile(
    _words(
        "photographers?",
        r"school\s+photos?",
        r"class\s+photos?",
        "consent",
        "permission",
        r"picture\s+day",
        r"photo\s+day",
        r"sports\s+day",
        "nativity",
        "concert",
        "performance",
    )
)
# Neglect seen by someone else: left alone, the same clothes, no breakfast, and a child.
_NEGLECT = (
    r"(?:left|leaves|leaving)\s+(?:on\s+(?:their|his|her)\s+own|alone|home\s+alone|by\s+(?:themselves"
    r"|himself|herself))\s+(?:for\s+)?(?:days|all\s+(?:day|night|weekend)|overnight|every\s+(?:night"
    r"|weekend|day)|hours)"
    r"|(?:same|dirty)\s+clothes\s+(?:\S+\s+){0,4}?(?:every\s+day|all\s+week|for\s+days|again)"
    r"|always\s+(?:in|wears?|wearing)\s+the\s+same\s+(?:clothes|uniform)"
    r"|(?:hadn'?t|hasn'?t|not|never)\s+(?:had|eaten)\s+(?:any\s+)?breakfast\s+(?:again|for\s+days"
    r"|all\s+week)|no\s+breakfast\s+again"
)
_CHILD = (
    r"kids?|children|child|little\s+(?:lad|girl|one|boy)|boy|girl|lad|son|daughter|youngest"
    r"|year\s*\d+|brother|sister|baby"
)
# Gifts with a secret, and a child asked to turn a camera on.
_TELL_NOBODY = (
    r"(?:don'?t|dont|do\s+not|never)\s+(?:mention|tell|say)\s+(?:it\s+|this\s+|that\s+|anything\s+)?"
    r"(?:to\s+)?(?:anyone|anybody|any[1i]|nobody)"
)
_GIFT = (
    r"(?:got|get|buy|bought|give|gave)\s+(?:you|u|ya)\b|for\s+(?:you|u)\b|after\s+school|trainers"
    r"|present|gift|money|cash|phone|vape|meet|pick\s+(?:you|u)\s+up"
)
_CAMERA_ON = (
    r"turn\s+(?:ur|your|yr|the|ya)\s+(?:camera|cam|webcam)\s+on"
    r"|(?:camera|cam|webcam)\s+on\s+for\s+me"
)
_BRIBE = (
    r"buy\s+(?:u|you|ya)|battle\s+pass|vbucks|v\s+bucks|robux|skins|if\s+(?:u|you)\b"
    r"|just\s+(?:u|you)\b|secret|pay|£"
)
# A disclosure begun: what happens at a parent's house.
_WHAT_HAPPENS = (
    r"about\s+what\s+(?:happens|goes\s+on|happened)\s+(?:at|in)\s+(?:my|me|our)\s+(?:step\s*dad"
    r"|dad|mum|mam|uncle|nan|grandad|dads|mums|uncles|nans)(?:'?s)?"
)
# A stranger from a child's game, and where the child is.
_FROM_THE_GAME = (
    r"me\s+from\s+(?:the\s+game|fortnite|roblox|minecraft|discord|among\s+us|cod|fifa|xbox"
    r"|ps[45as])"
)
_WHERE_ARE_YOU = r"school|where|live|how\s+old|meet|address|is\s+it\s+the\s+one"


@dataclass(frozen=True, slots=True)
class Concern:
    """One kind of concern: its name for a finding, its anchor words, its pattern.

    ``anchors`` are words (``"stab*"`` a prefix) one of which every match of
    ``pattern`` holds at a word start; ``second``, where given, are words one
    of which every match (with its ``near`` sign) holds too, most often the
    other sign's. A text lacking either kind is never searched; second words
    are for concerns whose anchors are common, and must be rare themselves
    (each is a key of the automaton every text is scanned with). ``abuse``
    says a match is abuse too (a threat).
    """

    entry: str
    anchors: tuple[str, ...]
    pattern: str
    abuse: bool = False
    #: text matching this is teaching or news about the subject: no concern
    unless: re.Pattern[str] | None = None
    #: a second sign that must be found within ``_NEAR`` characters of a match of
    #: ``pattern`` (two quick searches, for signs common apart and rare together)
    near: str | None = None
    #: (see above) empty where a sign can be written without a word: "£50", "18+"
    second: tuple[str, ...] = ()


#: the farewell's entry, shared by the records that find it (see below)
FAREWELL_ENTRY = "a farewell (suicide risk)"

CONCERNS: tuple[Concern, ...] = (
    Concern(
        "threat with a weapon",
        (
            "knife",
            "knives",
            "blade",
            "machete",
            "gun",
            "guns",
            "shank*",
            "acid",
            "bomb*",
            "pistol",
            "shotgun",
            "stab*",
            "shoot*",
            "shot",
            "blow*",
            "blown",
        ),
        _either(_words(_WEAPON, _ATTACK), _words(_THREAT_INTENT)),
        abuse=True,
        unless=_WEAPON_TEACHING,
    ),
    Concern(
        "threat of violence at school",
        ("batter*", "beat", "kick", "smash", "break"),
        _either(_words(_BEAT), _words(_BEAT_PLACE)),
        abuse=True,
    ),
    Concern("telling people they are dead", ("dead",), _DEAD, abuse=True),
    Concern(
        "self-harm (cutting)",
        ("cutting", "cut", "cuts", "scars"),
        _CUTTING,
        unless=_WEAPON_TEACHING,
    ),
    # A farewell is two signs together, and each record below is one sign with the
    # other near it: a text is searched only for the signs whose own words it holds
    # ("any", "message" and "letter" are common; one search of all the pairs together
    # cost 14 us a text that held any of them).
    Concern(
        FAREWELL_ENTRY,
        ("post", "message", "goodbye", "bye", "won", "wont", "read", "letter*", "delet*"),
        _words(_FAREWELL),
        near=_words(f"{_SORRY_FAMILY}|{_SORRY_ALL}|{_KIND_TO_ME}"),
    ),
    Concern(
        FAREWELL_ENTRY,
        _SORRY_ALL_ANCHORS,
        _words(_SORRY_ALL),
        near=_words(f"{_SORRY_FAMILY}|bye"),
    ),
    Concern(FAREWELL_ENTRY, _SORRY_ALL_ANCHORS, _words(_SORRY_ALL) + _WINDOW + _words(_SORRY_ALL)),
    Concern(FAREWELL_ENTRY, ("bye",), _words("bye"), near=_words(_KIND_TO_ME)),
    Concern(FAREWELL_ENTRY, ("goodbye", "bye", "suicide"), _GOODBYE_NOTE),
    Concern(
        "drawn to a height or a railway (suicide risk)",
        ("bridge", "train", "railway", "tracks", "edge", "roof", "cliff", "multi*"),
        _either(_words(_LEDGE), _words(_LEDGE_DRAW)),
        second=("keep", "kept", "jump*", "stood", "standing", "end"),
    ),
    Concern(
        "not eating, hating their body",
        (
            "disgusting",
            "fat",
            "ugly",
            "gross",
            "ribs",
            "bones",
            "hip",
            "hipbones",
            "skinny",
            "thin",
            "weight",
            "size",
            "body",
            "thigh",
            "collar*",
            "stone",
            "kg",
            "kilo",
            "kilos",
            "finally",
            "hungry",
            "pounds",
            "lbs",
            "fit",
        ),
        _either(_words(_RESTRICT), _words(_BODY), _WINDOW) + "|" + _RIBS,
        second=(
            "food",
            "eat",
            "eaten",
            "eating",
            "skip*",
            "starv*",
            "purg*",
            "throw*",
            "ribs",
            "bones",
            "hip*",
            "collar*",
            "thigh",
        ),
    ),
    Concern(
        "eating almost nothing, day after day",
        (
            "apple",
            "banana",
            "yoghurt",
            "yogurt",
            "rice",
            "cracker*",
            "grapes",
            "carrot*",
            "biscuit",
            "crisps",
        ),
        _either(_words(_TINY_MEAL), _words(_DAYS_RUNNING), _WINDOW),
    ),
    Concern(
        "a child not seen for weeks",
        ("check", "checked", "checking", "curtains", "empty"),
        _either(_words(_NOT_SEEN), _words(_LEFT_HOME), _WINDOW),
        second=("weeks", "since", "months", "ages"),
    ),
    Concern(
        "no food at home",
        ("cupboard*", "fridge", "kitchen", "house", "since"),
        _HUNGER,
    ),
    Concern(
        "afraid of someone at home",
        ("scared", "afraid", "frightened", "terrified", "want", "hide", "hiding", "dread", "stay"),
        _HOME_FEAR + "|" + _either(_words(_ARRIVAL), _words(_FEAR)),
    ),
    Concern(
        "an injury and who caused it",
        (
            "bruise*",
            "eye",
            "eyes",
            "marks",
            "burn*",
            "fell",
            "walked",
            "tripped",
            "bumped",
            "slipped",
        ),
        _either(_words(_INJURY), _words(_INJURY_CAUSE)) + "|" + _COVER_STORY,
    ),
    Concern(
        "someone coming into a child's room at night",
        ("room", "bed"),
        _either(_words(_NIGHT_VISIT), _words(_NIGHT_WRONG)),
    ),
    Concern(
        "pictures demanded or threatened",
        ("make*", "made", "making", "force*", "post*", "share*", "leak*", "send*", "show*", "say*"),
        _COERCED,
    ),
    Concern(
        "paid to carry or hold things (exploitation)",
        (
            "pay*",
            "paid",
            "give*",
            "gave",
            "runners",
            "shotters",
            "youngers",
            "workers",
            "young",
            "phone*",
        ),
        _PAID_TO_CARRY
        + "|"
        + _either(_words(_RECRUIT), _words(_RECRUIT_SIGN))
        + "|"
        + _either(_words(_TWO_PHONES), _words(_TWO_PHONES_SIGN)),
    ),
    Concern(
        "money offered to pupils",
        ("earn",),
        _either(_EARN, _words(_PUPILS), _WINDOW),
    ),
    Concern(
        "a child's age asked with where or how to reach them",
        ("old", "age"),
        _either(_words(_AGE_ASKED), _words(_PRIVATE_ASKED), _WINDOW),
    ),
    Concern(
        "blackmail with a child's pictures",
        (
            "pic",
            "pics",
            "photo",
            "photos",
            "picture",
            "pictures",
            "video",
            "videos",
            "vid",
            "vids",
            "nudes",
        ),
        _IMAGES_HELD,
        near=_DEMAND,
    ),
    Concern(
        "carrying or holding things for someone (exploitation)",
        ("bag", "bags", "package*", "parcel*", "bits", "stuff", "things", "gear"),
        _CARRY,
        near=_words(_CARRY_SIGN),
    ),
    Concern(
        "someone coming in at bedtime",
        ("bedtime", "bed", "night", "nighttime", "asleep"),
        _words(_BEDTIME),
        near=_words(_COMES_IN),
        second=("comes", "come", "came", "creeps", "gets", "sneaks"),
    ),
    Concern(
        "a child's looks, and where they are",
        (
            "stunning",
            "gorgeous",
            "beautiful",
            "pretty",
            "fit",
            "hot",
            "sexy",
            "cute",
            "peng",
            "fine",
        ),
        _words(_LOOKS_ONLY),
        near=_words(_WHICH_CLASS),
        second=("what", "how", "where"),
    ),
    Concern(
        "secrecy asked of a child",
        ("secret", "delete", "nothing", "anything", "owt", "word"),
        _SECRECY,
    ),
    Concern(
        "invited to an empty house",
        ("mine", "house", "place", "flat"),
        _either(_words(_EMPTY_HOUSE), _words(_COME_ROUND), _WINDOW),
        second=("mum*", "mam*", "mom*", "dad*", "parent*", "folks*"),
    ),
    Concern(
        "asked to come alone",
        ("own", "alone", "bring"),
        _COME_ALONE,
        second=("come", "cum", "don", "dont"),
    ),
    Concern(
        "a gift or modelling offered to a child for their looks",
        ("present*", "gift*", "nice*", "treat*", "model*"),
        _either(_words(_GIFT_TO_CHILD), _words(_LOOKS), _WINDOW) + "|" + _MODEL,
        second=(
            "pretty",
            "beautiful",
            "gorgeous",
            "stunning",
            "cute",
            "eyes",
            "model*",
            "little",
            "dress",
            "grown*",
            "mature",
        ),
    ),
    Concern(
        "game money or gift cards for a child's contact or details",
        ("robux", "vbucks", "bucks", "skins", "coins", "gems", "gift", "giftcard*", "amazon"),
        _either(_words(_GAME_MONEY), _words(_GAME_MONEY_ASK), _WINDOW),
        unless=_SCAM_WARNING,
    ),
    Concern(
        "a child's password asked for",
        ("password*", "login", "pin"),
        _either(_words(_CREDENTIALS_ASKED), _words(_CREDENTIALS_BAIT), _WINDOW),
        second=("robux", "vbucks", "claim", "generator", "unlimited", "free"),
        unless=_SCAM_WARNING,
    ),
    Concern(
        "moving a child to a private app",
        ("snap*", "sc", "insta*", "discord", "tiktok", "kik", "telegram"),
        _ON_CHILD_APP,
    ),
    Concern(
        "a private line offered round the school",
        (
            "directly",
            "direct",
            "privately",
            "own",
            "personal",
            "private",
            "insta*",
            "snap*",
            "whatsapp",
            "tiktok",
            "phone",
            "mobile",
            "number",
            "account",
        ),
        _PRIVATE_LINE,
        unless=_CHANNEL_WARNING,
        near=_ROUND_THE_SCHOOL,
        second=("through", "than", "instead", "between", "without"),
    ),
    Concern(
        "a child in a photo, and where to find them",
        (
            "pic*",
            "photo*",
            "picture*",
            "video*",
            "vid",
            "vids",
            "left",
            "right",
            "park",
            "playground",
            "rec",
            "field",
            "girl",
            "boy",
            "kid",
            "lad",
        ),
        _words(_PHOTO_REF) + "|" + _THESE_KIDS_PLAY,
        unless=_OWN_CHILD,
        near=_ROUTINE,
        second=(
            "bus",
            "gate",
            "park",
            "crossing",
            "home",
            "live",
            "lives",
            "every",
            "own",
            "alone",
            "time",
            "way",
        ),
    ),
    Concern(
        "a grievance and an invitation offered to young people (radicalisation)",
        (
            "country",
            "patriot*",
            "believers",
            "brothers",
            "race",
            "white",
            "replacement",
            "kuffar",
            "infidel*",
            "power",
            "control",
            "sick",
            "lies",
            "lying",
        ),
        _words(_GRIEVANCE),
        unless=_EXTREMISM_TEACHING,
        near=_words(_INVITE),
    ),
    Concern(
        "a sexual remark about a child",
        (
            "sexy",
            "hot",
            "fit",
            "developed",
            "legs",
            "bum",
            "body",
            "figure",
            "thicc",
            "jailbait",
            "barely",
        ),
        _words(_SEXUAL_REMARK),
        abuse=True,
        near=_words(_CHILD_SIGN),
    ),
    Concern(
        "a threat to the school's safety",
        ("keep", "something"),
        _words(_KEEP_AWAY),
        abuse=True,
        near=_words(_MENACE),
        second=("joking", "know", "warned", "warning", "see", "mark", "else", "didn*"),
    ),
    Concern(
        "someone photographing children",
        (
            "taking",
            "took",
            "takes",
            "filming",
            "filmed",
            "films",
            "photographing",
            "photographed",
        ),
        _words(_FILMING_CHILDREN),
        unless=_SCHOOL_PHOTOS,
        near=_words(_LURKING),
        second=(
            "man",
            "bloke",
            "guy",
            "fella",
            "stranger",
            "van",
            "car",
            "fence",
            "railings",
            "lurking",
            "parked",
            "hanging",
            "sat",
            "every",
            "week",
            "watching",
            "alley*",
            "zoom*",
            "engine",
            "through",
            "behind",
        ),
    ),
    Concern(
        "a child left alone or uncared for",
        ("own", "alone", "themselves", "himself", "herself", "clothes", "uniform", "breakfast"),
        _words(_NEGLECT),
        near=_words(_CHILD),
        second=(
            "kid",
            "kids",
            "children",
            "child",
            "little",
            "boy",
            "girl",
            "lad",
            "son",
            "daughter",
            "youngest",
            "year",
            "brother",
            "sister",
            "baby",
        ),
    ),
    Concern(
        "lifts offered to children by a man, a stranger or staff",
        ("lift", "lifts"),
        _words(_LIFT_OFFER),
        unless=_STRANGER_TEACHING,
        near=_words(_LIFT_GIVER),
    ),
    Concern(
        "a gift with a secret",
        ("anyone", "anybody", "anyi", "nobody"),
        _words(_TELL_NOBODY),
        near=_words(_GIFT),
        second=("mention", "tell", "say"),
    ),
    Concern(
        "a child asked to turn a camera on",
        ("camera", "cam", "webcam"),
        _words(_CAMERA_ON),
        near=_words(_BRIBE),
    ),
    Concern(
        "what happens at a parent's house",
        ("happens", "happened", "goes"),
        _words(_WHAT_HAPPENS),
    ),
    Concern(
        "a stranger from a child's game asking where they are",
        (
            "game",
            "fortnite",
            "roblox",
            "minecraft",
            "discord",
            "among",
            "cod",
            "fifa",
            "xbox",
            "psa",
            "pss",
        ),
        _words(_FROM_THE_GAME),
        near=_words(_WHERE_ARE_YOU),
    ),
)


class Concerns:
    """Finds the concerns of ``CONCERNS`` in a text. ``find`` never raises.

    ``prefilter=False`` runs every pattern on every text: the reference the
    prefilter is tested against.
    """

    def __init__(self, concerns: Sequence[Concern] = CONCERNS, *, prefilter: bool = True) -> None:
        self._concerns = tuple(concerns)
        self._patterns = tuple(re.compile(c.pattern) for c in self._concerns)
        self._near = tuple(re.compile(c.near) if c.near else None for c in self._concerns)
        self._prefilter = prefilter
        self._scan: Callable[[NormalisedText], _Hits] | None = None
        self._values: Callable[[NormalisedText], AbstractSet[int]] | None = None
        self._base = 0
        # What a key says is a bit mask: bit i, it anchors concern i; bit
        # count + i, it is a second word of concern i. Keys saying the same
        # share a value (an index into ``_masks``).
        count = len(self._concerns)
        masks = _key_masks(self._concerns)
        self._masks: tuple[int, ...] = tuple(dict.fromkeys(masks.values()))
        number = {mask: i for i, mask in enumerate(self._masks)}
        self._key_values = {key: number[mask] for key, mask in masks.items()}
        self._count = count
        self._anchor_bits = (1 << count) - 1
        # Concerns without second words pass that test whatever the text holds.
        self._single = sum(1 << i for i, c in enumerate(self._concerns) if not c.second)

    def prefilter_keys(self, base: int) -> dict[str, int]:
        """The anchors and second words as ``NormalisedText.letters`` shows them, valued
        ``base`` and up (keys saying the same share a value)."""
        return {key: base + value for key, value in self._key_values.items()}

    def use_scan(self, scan: Callable[[NormalisedText], _Hits], base: int) -> None:
        """Ask ``scan`` which anchors a text holds."""
        self._scan, self._base = scan, base

    def use_values(self, values: Callable[[NormalisedText], AbstractSet[int]], base: int) -> None:
        """Ask ``values`` which anchors' values a text holds (cheaper: no positions)."""
        self._values, self._base = values, base

    def find(self, text: NormalisedText, *, abuse_only: bool = False) -> list[tuple[int, int, str]]:
        """The spans of ``text.fold_diacritics().text`` showing a concern, with the concern's
        name, in order.

        ``abuse_only`` keeps the concerns that are abuse too (threats).
        """
        candidates = self._candidates(text)
        if not candidates:
            return []
        s = text.fold_diacritics().text
        out: list[tuple[int, int, str]] = []
        for index in candidates:
            concern = self._concerns[index]
            if abuse_only and not concern.abuse:
                continue
            span = self._search(index, s)
            # (the teaching context only once the concern is there: most candidates
            # hold an anchor but no concern)
            if span is None or (concern.unless is not None and concern.unless.search(s)):
                continue
            out.append((span[0], span[1], concern.entry))
        out.sort()
        return out

    def _search(self, index: int, s: str) -> tuple[int, int] | None:
        """The first span of ``s`` showing concern ``index``, or None."""
        near = self._near[index]
        for match in self._patterns[index].finditer(s):
            if near is None:
                return match.span()
            begin = max(0, match.start() - _NEAR)
            other = near.search(s, begin, match.end() + _NEAR)
            if other is not None:
                return min(match.start(), other.start()), max(match.end(), other.end())
        return None

    def _candidates(self, text: NormalisedText) -> Sequence[int]:
        # Worked out once per text: the safeguarding and abuse rules both ask.
        return text.cached(self, self._candidates_of)

    def _candidates_of(self, text: NormalisedText) -> Sequence[int]:
        if not self._prefilter:
            return range(len(self._concerns))
        found: Iterable[int]
        if self._values is not None:
            found = self._values(text)
        else:
            if self._scan is None:
                self._scan = self._own_scan()
            found = [value for _, value in self._scan(text)]
        masks, base = self._masks, self._base
        said = 0
        for value in found:
            said |= masks[value - base]
        if not said:
            return ()  # most text: no anchor
        # A concern of two signs needs a word of each: most texts holding one
        # anchor ("left", "anyone", "photo") hold no word of the other sign.
        chosen = said & self._anchor_bits & ((said >> self._count) | self._single)
        out: list[int] = []
        while chosen:
            low = chosen & -chosen
            out.append(low.bit_length() - 1)
            chosen ^= low
        return out

    def _own_scan(self) -> Callable[[NormalisedText], _Hits]:
        """Built alone (no shared automaton): a small automaton of the anchors."""
        import ahocorasick  # noqa: PLC0415 - only when built alone

        automaton = ahocorasick.Automaton()
        for key, value in self.prefilter_keys(0).items():
            automaton.add_word(key, value)
        automaton.make_automaton()
        self._base = 0
        return lambda text: automaton.iter(text.letters())


def _key_masks(concerns: Sequence[Concern]) -> dict[str, int]:
    """Each anchor and second word as the letters view shows it (" word " or, for "word*",
    " word"), with what it says as a bit mask: bit i for each concern i it anchors, bit
    ``len(concerns)`` + i for each it is a second word of."""
    masks: dict[str, int] = {}
    for index, concern in enumerate(concerns):
        for words, bit in ((concern.anchors, index), (concern.second, index + len(concerns))):
            for word in words:
                key = f" {word[:-1]}" if word.endswith("*") else f" {word} "
                masks[key] = masks.get(key, 0) | 1 << bit
    return masks
