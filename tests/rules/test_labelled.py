"""Quality, measured: per-rule recall and precision, and the false-positive rate on benign items.

``data/labelled.jsonl`` holds realistic items the way parents, pupils and
strangers write (typos, emoji, slang, caps, disguised words), each with the
rules that should fire on it (none for a benign item: criticism, Scunthorpe
traps, first names alone, surnames that are common words, safe links,
school-life numbers). ``data/roster.csv`` is the roster, as a MIS exports it
(its own column names), and ``data/blocklist.txt`` a web filter's category
file. The school's domain is ``stmarys.sch.uk``.

``data/holdout.jsonl`` (300 items) was written afterwards by someone who had
not seen the word lists, labelled set or rule code, to show how the rules
generalise. Its first run scored abuse recall 0.787, safeguarding 0.405 and
personal_info 0.900 (everything else and the benign rate within the bars);
the lists and rules were then widened by kinds of message (disclosures,
self-harm as children say it, threats to pupils, helplines that are not
personal numbers...), not by its items, and both sets are held to the bars
now. It is no longer independent: the next outside set is.

``data/holdout2.jsonl`` (260 items) is that next set, written by someone
who had seen neither the lists nor the two sets. Its first run scored abuse
recall 0.605 and safeguarding 0.442 (personal_info 0.964; the rest, and the
benign rate 0.009, within the bars): teenagers' insults, "v" for "u",
threats without "kill", self-harm as teenagers write it (unalive, kys,
relapsed), paying a child in game money or gift cards, and strangers asking
where a child from a photo can be found. The lists were widened by those
kinds and ``rules/whereabouts.py`` written for the last; now 0.974 and
0.953. Three items of the first set telling someone to kill themselves are
labelled safeguarding as well as abuse since: on a school's page it is
most often said to a pupil, and the DSL must see it.

``data/holdout3.jsonl`` (331 items) and ``data/holdout4.jsonl`` (331) are a
third and a fourth blind set, written the same way. The third's first run
scored safeguarding recall 0.446 and abuse 0.788: most of what it showed
missing was two signs together rather than a phrase, so
``rules/concerns.py`` was written for those kinds, with a few list lines;
it then scored 0.964 and 0.942. The fourth was written meanwhile and run
only after that, a true blind measure: safeguarding 0.469 and abuse 0.732
(0.281 and 0.643 without ``concerns``; 0.453 for safeguarding once the
concerns' anchors were narrowed for speed). Then the lists and concerns were
widened by the fourth set's kinds too (blackmail with pictures, carrying for
someone, a child kept home or left in charge, eating and weight, teaching
about self-harm told apart from a disclosure, "SMITH Jamie" in registers,
body-shaming, a rude gesture emoji), and both sets are held to the bars now.
Each new blind set has so far found safeguarding recall under 0.5 on its
first run.

``data/holdout5.jsonl`` (330 items), the fifth blind set, was scored first
against the lists and concerns widened by the fourth: safeguarding 0.395,
abuse 0.692 (benign FPR 0.060, most of it roster names that are also verbs,
"Charlotte rose to the occasion"). A word-level model trained on the other
four sets (``rules/signal.py``, alert-only) then raised that to 0.789 and
0.865 on it (FPR 0.068): the first gain that held on a set nobody had fitted
to. The shipped model is trained on all six sets, so its figures on them are
not blind.

``data/holdout6.jsonl`` (341 items), the sixth blind set, was the first
scored against all of it (lists, concerns, the signal trained on five sets,
names that are words): safeguarding 0.824 and abuse 0.804 (0.338 and 0.608
without the signal), pupil_name 1.000, personal_info 0.972, unsafe_link
1.000, but a benign rate of 0.099 (0.035 without the signal): the signal's
alerts on teenage banter and long, fair complaints. Those cost an email, never
a hidden comment; a next, larger labelled set is what would cut them. The
signal is now trained on all seven sets and every set is held to the bars;
the next blind set is the honest measure. holdout6 still misses the benign
bar (0.028: "Will Mills Lane", "hope cook club") and is held to its figures.

``data/holdout7.jsonl`` (320 items), the seventh blind set, was scored
against the final state of that work, with nothing fitted to it and the
signal not trained on it: safeguarding 0.914 (0.400 without the signal),
abuse 0.804 (0.696), pupil_name 1.000 (precision 1.000), personal_info
0.969, unsafe_link 1.000, benign rate 0.074 (0.022 without the signal).

``data/holdout8.jsonl`` (345 items), the eighth blind set, was scored
against the state holdout7 left: safeguarding 0.806 (0.458 without the
signal), abuse 0.889 (0.778), pupil_name 0.944 (surname first: "Zhang Wei"),
personal_info 0.970, unsafe_link 0.966, benign rate 0.036 (0.007 without the
signal). Three focused sets were written beside it, blind the same way, each
aimed at a weakness: ``focus_benign.jsonl`` (356 items, 250 of them benign
texts a keyword filter or a word model would flag) scored a benign rate of
0.088 (0.024 without the signal); ``focus_abuse.jsonl`` (329) abuse recall
0.764 (0.559 without the signal: hate codes, abuse in small capitals or
regional-indicator letters, emoji insults, remarks on staff's bodies), benign
0.090; ``focus_safeguarding.jsonl`` (345) safeguarding recall 0.801 (0.256
without the signal), benign 0.052. The lists, concerns and normaliser were
widened by their kinds and the signal trained on all eleven sets, so they are
not blind now either. focus_safeguarding is held to its figures (benign rate
0.022; a personal_info precision of 0.75 on its four items).

``data/holdout9.jsonl`` (331 items), the ninth blind set, was written
meanwhile and scored once against the final state of that work, the signal
not trained on it: abuse 0.960 and safeguarding 0.915 (0.720 and 0.366
without the signal), the first blind set to meet both bars; pupil_name
1.000, personal_info 0.938, unsafe_link 1.000; but a benign rate of 0.067
(0.030 without the signal). Its false alarms were the signal's on fond or
cross comments ("miss u all already", "£38 for a jumper ... sort it out"), a
school menu (fixed since by commas in phrases: 0.059), a payment reference
read as a phone number and a self-deprecating "thick as two short planks".
It is held to those figures and left out of the signal's training: the
honest measure until someone fits to it.

``data/holdout10.jsonl`` (328 items) and ``data/holdout11.jsonl`` (324), a
tenth and eleventh blind set, were scored once against that same state
(with the comma fix): abuse 0.887 and 0.882 (0.604 and 0.686 without the
signal), safeguarding 0.882 and 0.887 (0.500 and 0.366), pupil_name 1.000,
personal_info 0.939 and 0.914, unsafe_link 1.000, benign rate 0.058 and 0.101
(0.007 and 0.036 without the signal). What they missed was third parties'
neglect (no coat, a child out at 9pm), hate recruitment, friendly grooming,
talk of suicide without the word, threats without a weapon word, and phone
numbers and dates of birth written in words; the false alarms were the
signal's on fond and cross comments, a surname containing a swear word
("Shittu"), helplines and payment references read as phone numbers.
The lists, personal_info and the signal were then widened by those kinds,
with two training sets written blind the same way (``focus_benign2.jsonl``,
600 benign texts a word model would flag; ``focus_flagged2.jsonl``, 450
abuse and safeguarding messages); the signal, now over words and pairs of
words, is trained on sixteen sets, holdout9 to holdout11 among them, which
are held to the bars now and are no longer blind.

``focus_benign3.jsonl`` (600 benign: fair complaints, fond words, parents'
swaps, welfare teaching, sport's idioms, place names) and
``focus_flagged3.jsonl`` (500 flagged, more than half without an obvious
keyword) were written blind after that and scored once before training on
them: a benign rate of 0.072 (0.008 without the signal), and abuse 0.809
and safeguarding 0.794 (0.529 and 0.140 without the signal): the lists find
little of what is written without their words; the signal finds most of it.
``focus_benign4.jsonl`` (350 benign: road safety, civil disputes, sport's
fighting words, bodies and health, dark humour) scored 0.080 on its first
run (0.009 without the signal), and is in the signal's training now too.

``data/holdout12.jsonl`` (327 items) and ``data/holdout13.jsonl`` (329), the
twelfth and thirteenth blind sets, were written meanwhile and scored once
against the final state of all that, the signal not trained on them:
abuse 0.857 and 0.808 (0.643 and 0.577 without the signal), safeguarding
0.863 and 0.890 (0.250 and 0.315), pupil_name 1.000 and 0.977 (two
surname-first names in capitals), personal_info 0.946 and 0.970,
unsafe_link 0.964 and 1.000, benign rate 0.071 and 0.037 (0.014 and 0.022
without the signal). The lists were then widened by their kinds (a child
not come home, "dad is beating her", a bruise and a cover story, no food
in, "end the pain", a dead man, paid in weed, "should just die"); they are
held to those figures and left out of the signal's training.

``data/holdout14.jsonl`` (330 items), ``focus_flagged4.jsonl`` (450 flagged,
written to avoid the obvious words: veiled threats, innuendo, a child hinting)
and ``focus_benign5.jsonl`` (550 benign: fair fury, idioms, safety teaching,
alarming-looking questions) were written blind next and scored once against
that state: holdout14 abuse 0.904 and safeguarding 0.957 (0.500 and 0.304
without the signal), pupil_name and unsafe_link 1.000, personal_info 0.963,
benign rate 0.039 (0.019); focus_flagged4 abuse 0.561 and safeguarding 0.819
(0.113 and 0.115); focus_benign5 0.047 (0.005). The lists and concerns were
widened by their kinds, and the signal trained on the two focus sets, with a
threshold of its own for safeguarding (0.55, abuse 0.6): holdout14 is now
0.981 and 0.971 at a benign rate of 0.039 and stays out of training;
holdout12's safeguarding fell from 0.938 to 0.925 with that retraining, and
its benign rate from 0.064 to 0.050.

``data/holdout15.jsonl`` (330 items: sixth-formers' slang, young pupils' class
blog, strangers on the choir video, dialect, mixed languages), the fifteenth
blind set, was scored once against the final state of all that: abuse 0.962,
safeguarding 0.877 (0.596 and 0.260 without the signal), pupil_name,
personal_info and unsafe_link 1.000, benign rate 0.032 (0.006). Its misses were
staff inviting pupils to their personal Instagram or WhatsApp on the school's
own page (which the signal does not weigh), a farewell in letters "for"
everyone, threats of "something sharp" and of what is "coming to" the school,
close-ups of the girls; the lists took those kinds (abuse 1.000, safeguarding
0.932, benign rate 0.026) and the set stays out of the signal's training.

``data/holdout16.jsonl`` (330 items), ``focus_flagged5.jsonl`` (450 flagged,
written without the obvious words: grooming that sounds friendly, dialect
disclosures, county lines, coded hate) and ``focus_benign6.jsonl`` (550 benign:
fair fury, hyperbole, lessons on war and drugs, safety teaching, rude-looking
place names) were written blind next and scored once against that state:
holdout16 abuse 0.961 and safeguarding 1.000 (0.569 and 0.421 without the
signal), pupil_name, personal_info and unsafe_link 1.000, but a benign rate of
0.060 (0.013); focus_flagged5 abuse 0.800 and safeguarding 0.919 (0.278 and
0.167); focus_benign6 0.064 (0.004). Nearly every false alarm was the signal's:
praise of a named member of staff read as abuse ("Mr Bird the lollipop man
deserves a medal"), hyperbole and lifts between parents read as safeguarding.
The signal was retrained with the two focus sets (leave-one-set-out over its 24
sets: abuse 0.875, safeguarding 0.904, benign rate 0.050), a public body's
number ("I rang the council on ...") is no longer a person's, and a parent
thanking the school for an info evening about self-harm is teaching: holdout16
is now abuse and safeguarding 1.000 at a benign rate of 0.047, and stays out of
training. The retraining moved holdout13 (abuse 0.865 to 0.885, safeguarding
0.945 to 0.973, benign rate 0.029 to 0.037) and holdout15 (safeguarding 0.932 to
0.918, benign rate 0.026 to 0.006); their floors moved with it. Hate symbols the
lists cannot see (the "echo" round a word, 1488) and slurs that are ordinary words
elsewhere ("is a grass", "is a bender") then took holdout12's abuse recall from 0.875
to 0.929 and holdout13's from 0.885 to 0.942.

``data/ordinary_benign.jsonl`` (700 items) is everyday traffic, not written to
trip anything: thanks, praise of staff by title and surname, questions about
kit and dates, cheers. Scored once, the lists raised nothing on it and the
signal 0.057 (40 items, "Mr Davies is a saint", "this school is lowkey elite"):
the benign sets it had learned from were all written to be hard, so plain
praise of a named teacher read as abuse. Trained on it too (25 sets,
leave-one-set-out abuse 0.876, safeguarding 0.897, benign rate 0.045; over
holdout12 to 16, benign rate 0.037 to 0.022).

``data/holdout17.jsonl`` (330 items: the Midlands, Wales, code-switched
parents, staff breaching the policy on their own posts) was scored once against
the state before that retraining: abuse 0.980, safeguarding 0.943 (0.620 and
0.286 without the signal), pupil_name, personal_info and unsafe_link 1.000,
benign rate 0.045 (0.019); with the retrained signal, chosen before holdout17
was read, 0.980, 0.943 and 0.039. Its misses and false alarms were kinds that
then went into the lists: staff telling pupils to text them "on my own phone" or
"send me a private message on my Instagram", an e-safety post quoting a
groomer in single quotation marks, a free-meals offer and a class reunion
("no questions asked", "DM me") between adults. It now
meets every bar (abuse 0.980, safeguarding 0.971, benign rate 0.019) but
safeguarding precision (a man in a van offering pupils lifts home is still
missed); holdout14 and holdout15 meet every bar too now, and the
three stay out of training.

``data/holdout18.jsonl`` (330 items: Scotland, the North East, Yorkshire,
Bristol, parents writing in Romanian, Arabic or Tagalog too, strangers overseas)
and ``ordinary_benign2.jsonl`` (700 everyday comments across X, YouTube, class
blogs and Instagram) were written blind next and scored once: holdout18 abuse
1.000, safeguarding 0.972, personal_info 0.931, pupil_name and unsafe_link
1.000, benign rate 0.026 (0.755, 0.366 and 0.013 without the signal);
ordinary_benign2 0.036, all of it the signal's. The signal learned from
ordinary_benign2 too (26 sets, leave-one-set-out abuse 0.874, safeguarding
0.900, benign rate 0.042; over holdout12 to 17 the benign rate 0.021 to 0.020),
and holdout18's kinds went into the rules: a parent abroad's mobile number
after "if the office needs me" is still a person's (a mobile, by the country's
numbering plan, is never an office line); "turns 8 today (14.09.2016)" is a
date of birth; "don't share with parents" from staff; shags are seabirds on a
Farne Islands trip and Twatt a village on Orkney. holdout16 and holdout18 now
meet every bar (holdout18 all but safeguarding precision, threats to staff
being found as safeguarding too); holdout12 has one more false alarm than
before (0.043, a joke about bird droppings on the staff cars read as abuse).

``data/holdout19.jsonl`` (330 items: London, Manchester, Liverpool, Belfast,
Devon, parents writing in Portuguese, Bengali or Twi too) and
``ordinary_benign3.jsonl`` (700 everyday items: football dads and grandads,
anxious-but-fair parents asking how to raise a worry, teenagers, the
community, the school's own safeguarding notices) were written blind next and
scored once, after a concern for lifts offered to pupils by a man or a
stranger was added: holdout19 abuse 0.940, safeguarding 1.000, pupil_name,
personal_info and unsafe_link 1.000, benign rate 0.032 (0.440, 0.324 and 0.000
without the signal); ordinary_benign3 0.051 (0.001). "his days are numbered", "you
miserable sod" and "a long and painful retirement" went into the abuse list
(abuse 1.000), and a notice naming the DSL is teaching. Training the signal
on ordinary_benign3 only moved along the same trade-off (leave-one-set-out
benign rate 0.042 to 0.039 for abuse 0.874 to 0.864; over holdout12 to 18
safeguarding 0.969 to 0.959), so it is not trained on: it stays the everyday
benign set nobody fitted to, at 0.050.

``data/holdout20.jsonl`` (330 items: the East Midlands, Norfolk, Glasgow,
Cardiff and Leeds, parents writing in Gujarati, Hungarian or Spanish too),
the twentieth blind set, was scored once against the final state of all that:
abuse 0.922, safeguarding 0.944, pupil_name and personal_info 1.000,
unsafe_link 0.900, benign rate 0.051 (0.431, 0.338 and 0.032 without the
signal). Its lists' false alarms were staff surnames ("Mr Dick", "Mrs
Cockburn", "Mr Wankhede": a capitalised word after a title that only begins
with a prefix entry is a surname now), Twatt on Orkney, "Year 6 who
represented St Mary's" read as a street, and a lost umbrella "no questions
asked"; its misses were a program dressed as a document ("timetable.pdf.exe")
and an app offered seven words after "get", "14 words", "scumbag", a
photographer wanting girls aged 11 to 13, "ever thought about modelling" and
staff's "no need to tell mum and dad". With those kinds it meets every bar
(abuse 0.961, safeguarding 0.986, benign rate 0.019) and stays out of training.

``data/holdout21.jsonl`` (330 items: Newcastle, Birmingham, Swansea, Aberdeen,
Kent, parents writing in Italian, Turkish or Yoruba too) was scored once
against that final state and nothing was fitted to it: abuse 0.918,
safeguarding 0.986, pupil_name, personal_info and unsafe_link 1.000, but a
benign rate of 0.065 (0.490, 0.155 and 0.013 without the signal). Eight of its
ten false alarms are the signal's, on plain praise and everyday moans ("Bunch
of legends, the lot of you", "if he comes home with one more odd sock I'm
going to lose my mind"); two are places (Twatt "in" Orkney, Cock Bridge). It
is the next session's honest measure: held at those figures, out of training.

``data/holdout22.jsonl`` (330 items: a North West secondary academy on X and
Instagram), ``holdout23.jsonl`` (330: a rural primary in Wales and the Borders,
parents writing Welsh too) and ``holdout24.jsonl`` (330: an inner-London
all-through school, YouTube and Instagram, parents code-switching in Polish,
Urdu, Somali, Yoruba, Portuguese and Romanian) were written blind together and
scored once against the state holdout21 left (aa3dba8), nothing fitted to them:
abuse 0.980, 0.918 and 0.900; safeguarding 0.958, 0.942 and 0.863; pupil_name and
unsafe_link 1.000; personal_info 1.000, 0.968 and 1.000 (precision 0.875, 0.938
and 0.906); benign rate 0.116, 0.026 and 0.032 (without the signal abuse 0.720,
0.694 and 0.480, safeguarding 0.403, 0.406 and 0.301, benign 0.045, 0.013 and
0.026). The lists' false alarms were a business's or a venue's number and address
read as a person's ("Mark's Plumbing & Heating 0161 ...", "the Midland Hotel,
Peter Street, M60 2DS"), the school's own number quoted by a parent, and Dildo in
Newfoundland; the misses were abuse and self-harm written in Welsh, Polish or
Romanian, staff moving pupils to "my personal Facebook" or "the PE staff
Snapchat", a children's "modelling agency", "the bit with the girls stretching",
a farewell before "deleting all my accounts", an apple a day before prom, and
FGM spoken of as a "special ceremony". Those kinds went into the lists, concerns and
personal_info (tested in other words), and the signal was trained on holdout12 to
holdout21 and ordinary_benign3 too: leave-one-set-out over the 26 sets it had learned
from before moved from abuse 0.875, safeguarding 0.902, benign rate 0.041 to 0.878, 0.900
and 0.034, so more data, not a new model, moved the trade-off. holdout22 to holdout24
stay out of its training, the signal's blind measure: now abuse 1.000, 0.980 and 0.980,
safeguarding 1.000, 1.000 and 0.973, benign rate 0.071, 0.006 and 0.013; holdout23 and
holdout24 meet every bar; holdout22's false alarms are the signal's on teenagers' jokes
("going to end him", "Suicide Squad costumes") and a parent's moans. (They were
trained on later, below.)

``data/holdout25.jsonl`` (330 items: the South West and the Midlands, foster carers,
parents writing Arabic, Punjabi, Lithuanian or Bulgarian too) and
``holdout26.jsonl`` (330: a special school and a secondary in Scotland and Northern
Ireland, Scots, Irish, Lithuanian, Tagalog and Chinese mixed in) were written blind
next and scored once against that state (443aa36): abuse 0.898 and 0.860,
safeguarding 0.887 and 0.915, pupil_name, personal_info and unsafe_link 1.000
(personal_info precision 0.935 and 0.909), benign rate 0.039 and 0.045 (without the
signal abuse 0.571 and 0.440, safeguarding 0.324 and 0.310, benign 0.032 and 0.032).
The lists' false alarms were businesses' addresses and numbers thanked or recommended
("catered by The Thistle Kitchen ...", "the centre's number is ..."), parents
retelling the school's e-safety lesson with the groomer's line in quotation marks, a
weathercock and cock-a-leekie soup; the misses were abuse in Lithuanian, Irish,
Tagalog, Bulgarian and Chinese, threats to staff at home ("a brick through her
window", "I know what time he leaves"), a looked-after child's birth family looking for
her, a man in a car selling to pupils, a handprint on a non-verbal child's arm, an
overdose, and "if any of the kids fancy sneaking out at night". Two training sets
were written blind beside them and scored once against the same state:
``focus_flagged6.jsonl`` (450 abuse and safeguarding messages without the obvious
words) abuse 0.590 and safeguarding 0.803 (0.070 and 0.159 without the signal), and
``ordinary_benign5.jsonl`` (700 parents' everyday worries, moans, swaps and thanks)
a benign rate of 0.059 (0.004 without the signal: a child off sick, nits, a lift to
the leavers' do, a "girls aged 7-11" football club). ``ordinary_benign4.jsonl`` (700
teenagers' banter and hyperbole, sport, proud relatives, the school's notices), written
with them, was scored once against 9eaf79b: a benign rate of 0.037 (0.001 without the
signal: "who let him cook", "I'm going to end him if he posts the video", "the girl on
the left kept nutmegging everyone").

The kinds of holdout25 and 26 then went into the rules, and the signal was trained on
holdout22 to 24, focus_flagged6 and ordinary_benign4 and 5 too (44 sets; holdout25 and
26 stay out as its blind measure). Leave-one-set-out over the 26 sets it first learned
from moved from abuse 0.878, safeguarding 0.900, benign rate 0.034 to 0.893, 0.902 and
0.034; on holdout25 and 26 together, abuse 0.970, safeguarding 0.958 to 0.944, benign
0.019 to 0.026, two items each way, within what two sets can tell. holdout25 now
scores abuse 0.980, safeguarding 0.958, benign rate 0.026; holdout26 0.960, 0.930 and
0.026.

``data/holdout27.jsonl`` (330 items: Yorkshire and the Humber, parents writing Urdu,
Slovak, Kurdish or Czech too) and ``holdout28.jsonl`` (330: East Anglia and Cumbria,
boarding parents abroad, Portuguese, Latvian, Hindi and Cantonese mixed in) were
written blind at the end of that work and scored once against its final state
(ca8b4c0), nothing fitted to them: abuse 0.898 and 0.922, safeguarding 0.913 and 0.903,
pupil_name, personal_info and unsafe_link 1.000, benign rate 0.091 and 0.039 (without
the signal abuse 0.653 and 0.569, safeguarding 0.290 and 0.333, benign 0.032 and
0.026). Their kinds then went into the rules (abuse in Urdu, Czech and Latvian, a
child beaten or not come home in Slovak, Czech or Hindi, staff moving a pupil off school
email, photos from the changing rooms, a warning that quotes a fake account, the school's
own surprise for mums or help offered in confidence): holdout27 scores abuse 0.980,
safeguarding 0.957, benign rate 0.078 (the signal's alerts on fair fury about attendance
fines and on a warning about a fake account), holdout28 0.980, 0.972 and 0.019. Both
stay out of the signal's training.

``data/holdout29.jsonl`` (330 items: a Catholic secondary and a pupil referral unit in
the North East and Merseyside, Arabic, Farsi and Malayalam in Latin letters, Polish) and
``holdout30.jsonl`` (330: London and Kent primaries, Spanish, Bengali, Twi, Albanian and
Greek mixed in) were written blind meanwhile and scored once against the final state of
all that (dea5210), nothing fitted to them: abuse 0.922 and 0.959, safeguarding 0.930
and 0.943, pupil_name and unsafe_link 1.000, personal_info 0.931 and 1.000, benign rate
0.116 and 0.032 (without the signal abuse 0.549 and 0.469, safeguarding 0.338 and
0.314, benign 0.039 and 0.013). Their kinds then went into the rules (disclosures in
Arabic, Farsi and Malayalam in Latin letters, insults in Greek and Twi, a kill list,
tablets made ready, talks retold with their quotations, businesses' bars and shops).

``data/holdout31.jsonl`` (330 items: Birmingham, Leicester and Coventry; Punjabi,
Gujarati, Somali, Kurdish, Portuguese), ``holdout32.jsonl`` (330: Devon, Cornwall and a
special school in Bristol; Cornish, Ukrainian, Nepali) and ``holdout33.jsonl`` (330:
Manchester, a Jewish primary in north London, an Islamic girls' school in Bradford;
Hebrew and Yiddish words, Arabizi, Pashto, Hungarian) were written blind at the start of
the next session and scored once against the rules as holdout29 and 30 had left them
(eaae020), nothing fitted: abuse 0.961, 0.940 and 0.920, safeguarding 0.971, 0.926 and
0.930, pupil_name 1.000, personal_info 0.968, 1.000 and 0.968, unsafe_link 1.000, 0.957
and 1.000, benign rate 0.045, 0.019 and 0.065 (without the signal abuse 0.706, 0.600
and 0.540, safeguarding 0.391, 0.368 and 0.366, benign 0.026, 0.013 and 0.032). Their
kinds then went into the rules, and with focus_flagged7 (450 flagged items without the
obvious words: first run abuse 0.652, safeguarding 0.612) and ordinary_benign6 (700
items of fair criticism and warm slang: first run benign rate 0.064, the signal's) all
of holdout25 to 33 joined the signal's training. A signal trained without holdout31 to
33 scored them, alone, abuse 0.902, 0.920 and 0.860 (0.843, 0.880 and 0.820 before)
and safeguarding 0.986, 0.941 and 0.972 (0.986, 0.912 and 0.930), for benign alerts of
0.013, 0.006 and 0.058 (0.019, 0.006 and 0.032).

``data/holdout34.jsonl`` (330 items: Sunderland, Newcastle and the Scottish Borders;
Geordie and Scots, Lithuanian, Romanian, Tigrinya), ``holdout35.jsonl`` (330: a
Welsh-medium primary in Cardiff, Swansea, an integrated college in Belfast; Welsh, Ulster
Scots, Irish, Polish, Bulgarian) and ``holdout36.jsonl`` (330: Lewisham, a Catholic
primary in Liverpool, a Norfolk village; London slang, Scouse, Nigerian Pidgin, Patois,
Tamil, Portuguese) were written blind at the start of the next session and scored once
against the rules as holdout31 to 33 had left them (5c7278f: only the build made faster
since), nothing fitted: abuse 0.980, 0.960 and 0.980, safeguarding 0.913, 0.958 and
0.971, pupil_name and unsafe_link 1.000, personal_info 0.967, 0.966 and 1.000, benign
rate 0.052, 0.039 and 0.045 (without the signal abuse 0.571, 0.700 and 0.660,
safeguarding 0.275, 0.319 and 0.257, benign 0.032, 0.026 and 0.006). Every bar but the
benign rate was met on all three. Their kinds then went into the rules (staff keeping
parents out of a group, a teacher's own phone, a foster child's birth parent, home bad
again, a warning retold in its examples' words, shops' lines).

``data/holdout37.jsonl`` (330 items: Hull, Grimsby and York; Yorkshire dialect, Latvian,
Kurdish Sorani, Czech, Filipino) and ``holdout38.jsonl`` (330: Bristol, Swindon and a
boarding school in Shropshire; West Country dialect, Somali, Amharic, Italian, Hindi,
Cantonese) were written blind later in that session and scored once against the rules
as holdout34 to 36 had left them (7bc6fb2), nothing fitted: abuse 0.959 and 0.920,
safeguarding 0.915 and 0.914, pupil_name, personal_info and unsafe_link 1.000, benign
rate 0.052 and 0.077 (without the signal abuse 0.735 and 0.560, safeguarding 0.394 and
0.271, benign 0.026 and 0.058). Staff and strangers offering pupils a private line "round
the school" in new words ("message me directly on my Instagram, it doesn't need to go
through your house parent") then became a concern of two signs (``concerns.py``).

The thresholds are the issue's. ``unknown_link`` (digest only: reported, never
hidden) is not a flag and is left out of the false-positive count. Run with
``-s`` to see the figures, with better-profanity's and alt-profanity-check's
on the abuse items beside ours when the ``bench`` extra is installed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import Config, load_config
from monitor.engine import Engine, build_engine
from monitor.models import Item, ItemKind
from tests.rules.helpers import labelled_config

DATA = Path(__file__).parent / "data"
#: minimum recall per rule, from the issue
RECALL = {
    "abuse": 0.95,
    "safeguarding": 0.90,
    "pupil_name": 0.98,
    "personal_info": 0.95,
    "unsafe_link": 0.95,
}
#: highest share of benign items with any finding
MAX_BENIGN_FPR = 0.02
#: not a flag: reported in the digest, never hidden
NOT_FLAGS = frozenset({"unknown_link"})


@dataclass(frozen=True)
class Labelled:
    id: str
    text: str
    labels: frozenset[str]
    kind: str
    own: bool


def load(name: str = "labelled.jsonl") -> list[Labelled]:
    rows = [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines()]
    return [Labelled(r["id"], r["text"], frozenset(r["labels"]), r["kind"], r["own"]) for r in rows]


@pytest.fixture(scope="module", name="config")
def fixture_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return load_config(labelled_config(tmp_path_factory.mktemp("labelled")))


@pytest.fixture(scope="module", name="engine")
def fixture_engine(config: Config) -> Engine:
    return build_engine(config)


def vet(engine: Engine, row: Labelled) -> frozenset[str]:
    item = Item(
        source="labelled",
        platform_id=row.id,
        kind=ItemKind(row.kind),
        text=row.text,
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        is_own=row.own,
    )
    return frozenset(f.rule for f in engine.vet(item)) - NOT_FLAGS


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


def score(rows: list[Labelled], found: Callable[[Labelled], frozenset[str]]) -> dict[str, Score]:
    scores = {rule: Score() for rule in RECALL}
    for row in rows:
        got = found(row)
        for rule, s in scores.items():
            if rule in row.labels and rule in got:
                s.tp += 1
            elif rule in row.labels:
                s.fn += 1
            elif rule in got:
                s.fp += 1
    return scores


@dataclass(frozen=True)
class Measured:
    """One labelled set vetted: what each item got, the scores, the noisy benign items."""

    rows: list[Labelled]
    results: dict[str, frozenset[str]]
    scores: dict[str, Score]
    noisy: list[Labelled]
    fpr: float


def measure(engine: Engine, name: str) -> Measured:
    """Vet a whole set and print its figures (``pytest -s`` shows them)."""
    rows = load(name)
    assert len(rows) >= 250 and len({r.id for r in rows}) == len(rows)
    results = {row.id: vet(engine, row) for row in rows}
    scores = score(rows, lambda r: results[r.id])
    benign = [r for r in rows if not r.labels]
    noisy = [r for r in benign if results[r.id]]
    fpr = len(noisy) / len(benign) if benign else 0.0
    print(f"\n{name}\nrule            recall  precision  (items)")
    for rule, s in scores.items():
        print(f"{rule:15s} {s.recall:6.3f}  {s.precision:9.3f}  ({s.tp + s.fn})")
    print(f"benign false-positive rate: {fpr:.3f} ({len(noisy)}/{len(benign)})")
    return Measured(rows, results, scores, noisy, fpr)


class TestLabelledSet:
    """The labelled set itself is big and varied enough to mean something."""

    def test_size_and_mix(self) -> None:
        """At least 400 items, a benign share, and every measured rule represented."""
        rows = load()
        assert len(rows) >= 400
        assert len({r.id for r in rows}) == len(rows)
        assert sum(1 for r in rows if not r.labels) >= 150
        for rule in RECALL:
            assert sum(1 for r in rows if rule in r.labels) >= 40, rule

    def test_roster_is_diverse(self, config: Config) -> None:
        """The roster has 100+ pupils with apostrophes, hyphens, accents and two-word surnames."""
        from monitor.roster import load_roster  # noqa: PLC0415

        assert config.roster is not None
        pupils = load_roster(config.roster)
        surnames = [p.last_name for p in pupils]
        assert len(pupils) >= 100
        assert any("'" in s for s in surnames)
        assert any("-" in s for s in surnames)
        assert any(" " in s for s in surnames)
        assert any(not s.isascii() for s in surnames)
        assert any(p.known_as for p in pupils)


class TestQuality:
    """Per-rule recall, precision and the benign false-positive rate meet the issue's bars."""

    @pytest.mark.parametrize(
        "name",
        [
            "labelled.jsonl",
            "holdout.jsonl",
            "holdout2.jsonl",
            "holdout3.jsonl",
            "holdout4.jsonl",
            "holdout5.jsonl",
            "holdout7.jsonl",
            "holdout8.jsonl",
            "holdout9.jsonl",
            "holdout10.jsonl",
            "holdout11.jsonl",
            "focus_benign.jsonl",
            "focus_abuse.jsonl",
            "focus_flagged2.jsonl",
            "focus_flagged3.jsonl",
            "focus_flagged4.jsonl",
            "focus_flagged5.jsonl",
            # blind sets the signal was later trained on too
            "holdout13.jsonl",
            "holdout14.jsonl",
            "holdout15.jsonl",
            "holdout16.jsonl",
            "holdout17.jsonl",
            "holdout18.jsonl",
            "holdout19.jsonl",
            "holdout20.jsonl",
            "holdout21.jsonl",
            "holdout22.jsonl",
            "holdout23.jsonl",
            "holdout24.jsonl",
            "focus_flagged6.jsonl",
            "holdout25.jsonl",
            "holdout26.jsonl",
            "holdout27.jsonl",
            "holdout28.jsonl",
            "holdout29.jsonl",
            "holdout30.jsonl",
            "holdout31.jsonl",
            "holdout32.jsonl",
            "holdout33.jsonl",
            "focus_flagged7.jsonl",
            "holdout34.jsonl",
            "holdout35.jsonl",
            "holdout36.jsonl",
            "holdout37.jsonl",
            "holdout38.jsonl",
        ],
    )
    def test_recall_precision_and_fpr(self, engine: Engine, name: str) -> None:
        """Each rule's recall is at its threshold, precision is high, benign items stay quiet."""
        m = measure(engine, name)
        misses = {
            rule: [r.text for r in m.rows if rule in r.labels and rule not in m.results[r.id]]
            for rule in RECALL
        }
        for rule, minimum in RECALL.items():
            assert m.scores[rule].recall >= minimum, (rule, misses[rule])
            assert m.scores[rule].precision >= 0.9, rule
        assert m.fpr <= MAX_BENIGN_FPR, [(r.text, sorted(m.results[r.id])) for r in m.noisy]

    def test_competitors_on_abuse(self, engine: Engine) -> None:
        """better-profanity and alt-profanity-check on the abuse items, printed beside ours."""
        rows = load()
        abuse = [r for r in rows if "abuse" in r.labels]
        benign = [r for r in rows if not r.labels]
        ours_recall = sum("abuse" in vet(engine, r) for r in abuse) / len(abuse)
        ours_fpr = sum("abuse" in vet(engine, r) for r in benign) / len(benign)
        print(f"\nabuse recall / benign FPR: ours {ours_recall:.3f} / {ours_fpr:.3f}")
        try:
            from better_profanity import profanity  # noqa: PLC0415 - the bench extra
        except ImportError:
            print("better-profanity: not installed")
        else:
            profanity.load_censor_words()
            recall = sum(profanity.contains_profanity(r.text) for r in abuse) / len(abuse)
            fpr = sum(profanity.contains_profanity(r.text) for r in benign) / len(benign)
            print(f"abuse recall / benign FPR: better-profanity {recall:.3f} / {fpr:.3f}")
        try:
            from profanity_check import predict  # noqa: PLC0415 - the bench extra
        except ImportError:
            print("alt-profanity-check: not installed")
        else:
            recall = float(sum(predict([r.text for r in abuse]))) / len(abuse)
            fpr = float(sum(predict([r.text for r in benign]))) / len(benign)
            print(f"abuse recall / benign FPR: alt-profanity-check {recall:.3f} / {fpr:.3f}")
        assert ours_recall >= RECALL["abuse"]


#: a set's floors where every item of every rule is found (and a set of benign items
#: only, where there is nothing to find)
ALL_FOUND = dict.fromkeys(RECALL, 1.0)
#: the sets that miss a bar, held to their last measured figures; a change may raise
#: them, never lower them (recall per rule, and the most benign false-positive rate)
BLIND_FLOORS: dict[str, tuple[dict[str, float], float]] = {
    "holdout6.jsonl": (
        ALL_FOUND,
        0.022,
    ),
    "focus_safeguarding.jsonl": (
        ALL_FOUND,
        0.015,
    ),
    # all benign: a false alarm in 600 (a rule with no items of its own to find has
    # precision 0 from one of them, so the bars' precision test does not apply)
    "focus_benign2.jsonl": (
        ALL_FOUND,
        0.002,
    ),
    "focus_benign3.jsonl": (
        ALL_FOUND,
        0.002,
    ),
    # trained on since, short of the personal_info bar by one item (a house number
    # after "I'm at number")
    "holdout12.jsonl": (
        {
            "abuse": 1.0,
            "safeguarding": 1.0,
            "pupil_name": 1.0,
            "personal_info": 0.94,
            "unsafe_link": 1.0,
        },
        0.0,
    ),
    "focus_benign4.jsonl": (
        ALL_FOUND,
        0.009,
    ),
    "focus_benign5.jsonl": (
        ALL_FOUND,
        0.008,
    ),
    "focus_benign6.jsonl": (
        ALL_FOUND,
        0.002,
    ),
    # everyday traffic, all benign
    "ordinary_benign.jsonl": (
        ALL_FOUND,
        0.0,
    ),
    "ordinary_benign2.jsonl": (
        ALL_FOUND,
        0.0,
    ),
    "ordinary_benign3.jsonl": (
        ALL_FOUND,
        0.0,
    ),
    "ordinary_benign4.jsonl": (
        ALL_FOUND,
        0.003,
    ),
    "ordinary_benign5.jsonl": (
        ALL_FOUND,
        0.008,
    ),
    "ordinary_benign6.jsonl": (
        ALL_FOUND,
        0.009,
    ),
}


class TestBlindSets:
    """The sets that miss one of the issue's bars: measured, printed, held to their figures."""

    @pytest.mark.parametrize("name", sorted(BLIND_FLOORS))
    def test_no_worse_than_last_measured(self, engine: Engine, name: str) -> None:
        m = measure(engine, name)
        floors, most_fpr = BLIND_FLOORS[name]
        for rule, floor in floors.items():
            assert m.scores[rule].recall >= floor, rule
        assert m.fpr <= most_fpr
