/**
 * Question families. A family is one question *intent* with slots; every template of a family is a
 * paraphrase of every other, so two questions of one family with the same slot values are duplicates,
 * and changing any slot value makes them different questions.
 *
 * Template syntax (see template.ts):
 *   [a|b|c]        free choice that keeps the meaning (synonyms, optional words with an empty choice);
 *                  no enum slot inside brackets
 *   {slot}         an entity or number slot, in any of its surface forms
 *   {slot:x|y}     an intent/negation slot: option i is used for value i; `/` separates synonyms
 *
 * Every template mentions every slot (checked by validateFamilies), so changing a slot always
 * changes the text.
 */

export type SlotKind = 'entity' | 'number' | 'intent' | 'negation';

export interface Slot {
  name: string;
  kind: SlotKind;
  /** Entity type (ENTITIES key) or number type (NUMBERS key). */
  type?: string;
  /** Number of values of an intent/negation slot. */
  size?: number;
}

export interface Family {
  id: string;
  topic: string;
  slots: Slot[];
  templates: string[];
  /** Two slots whose values may be exchanged without changing the meaning ("A or B?"). */
  symmetric?: [string, string];
  /** Two slots whose exchange reverses the meaning ("from A to B"): a word-order hard negative. */
  ordered?: [string, string];
  /** Context sentences only: the question topics they may go with. */
  fits?: string[];
}

const ent = (name: string, type = name): Slot => ({ name, kind: 'entity', type });
const num = (name: string, type = name): Slot => ({ name, kind: 'number', type });
const intent = (name: string, size: number): Slot => ({ name, kind: 'intent', size });
const neg = (name = 'neg'): Slot => ({ name, kind: 'negation', size: 2 });

export const FAMILIES: Family[] = [
  // ---------------------------------------------------------------- programming
  {
    id: 'learn-teach-skill',
    topic: 'learning',
    slots: [intent('act', 2), ent('skill')],
    templates: [
      'How do I {act:learn|teach} {skill}[ quickly|]?',
      'What is the best way to {act:learn/study|teach} {skill}?',
      'What should I do to {act:get good at/get better at|teach} {skill}[ properly|]?',
      'How can I {act:learn|teach} {skill} [effectively|well|on my own|]?',
      'Where should I start if I want to {act:learn|teach} {skill}?',
      'What are [some|the best] tips to {act:learn|teach} {skill}?',
      'I want to {act:learn|teach} {skill}. Where do I [start|begin]?',
    ],
  },
  {
    id: 'task-in-lang',
    topic: 'programming',
    slots: [ent('task'), ent('lang')],
    templates: [
      'How do I {task} in {lang}?',
      'What is the [best|easiest|simplest] way to {task} in {lang}?',
      'How can I {task} using {lang}?',
      'In {lang}, how [do|can] you {task}?',
      '{lang}: how to {task}?',
      'Is there [an easy|a simple] way to {task} with {lang}?',
    ],
  },
  {
    id: 'lang-for-purpose',
    topic: 'programming',
    slots: [ent('lang'), ent('purpose')],
    templates: [
      'Is {lang} good for {purpose}?',
      'Should I use {lang} for {purpose}?',
      'Is {lang} a good choice for {purpose}?',
      'How [good|suitable] is {lang} for {purpose}?',
      'Would you recommend {lang} for {purpose}?',
      'Can {lang} be used [effectively|] for {purpose}?',
    ],
  },
  {
    id: 'ide-for-lang',
    topic: 'programming',
    slots: [ent('lang')],
    templates: [
      'What is the best IDE for {lang}?',
      'Which IDE should I use for {lang} [programming|development]?',
      'Which editor is best for coding in {lang}?',
      'What IDE do [professional|experienced] {lang} developers use?',
      'Best IDE for {lang}?',
    ],
  },
  {
    id: 'switch-lang',
    topic: 'programming',
    slots: [ent('from', 'lang'), ent('to', 'lang')],
    ordered: ['from', 'to'],
    templates: [
      'Should I switch from {from} to {to}?',
      'Is it a good idea to move from {from} to {to}?',
      'Is switching from {from} to {to} worth it?',
      'Would it be wise to [change|move] from {from} to {to}?',
      'I know {from}. Should I [switch|move] to {to}?',
      'How hard is it to go from {from} to {to}?',
    ],
  },
  {
    id: 'convert-code',
    topic: 'programming',
    slots: [ent('from', 'lang'), ent('to', 'lang')],
    ordered: ['from', 'to'],
    templates: [
      'How do I convert {from} code to {to}?',
      'Is there a tool to convert {from} code into {to}?',
      'How can I translate a {from} program to {to}?',
      'What is the best way to port {from} code to {to}?',
    ],
  },
  {
    id: 'compare-lang',
    topic: 'programming',
    slots: [ent('a', 'lang'), ent('b', 'lang')],
    symmetric: ['a', 'b'],
    templates: [
      'Which is better, {a} or {b}?',
      'Should I learn {a} or {b} [first|]?',
      '{a} vs {b}: which one should I [choose|pick|learn]?',
      'Which [language|programming language] is better: {a} or {b}?',
      'What are the differences between {a} and {b}?',
      'Is {a} better than {b}?',
    ],
  },
  {
    id: 'lang-popular',
    topic: 'programming',
    slots: [neg(), ent('lang')],
    templates: [
      "Why {neg:is|isn't/is not} {lang} [so|] popular among developers?",
      'What makes {lang} {neg:so popular|unpopular} [among|with] programmers?',
      'Why do {neg:so many|so few} developers use {lang}?',
      "Why {neg:do|don't/do not} programmers like {lang}?",
    ],
  },
  {
    id: 'pros-cons-lang',
    topic: 'programming',
    slots: [intent('pol', 2), ent('lang')],
    templates: [
      'What are the {pol:advantages/pros/benefits|disadvantages/cons/drawbacks} of {lang}?',
      'What are the {pol:advantages|disadvantages} of using {lang}?',
      'What is {pol:good|bad} about {lang}?',
      'What are the {pol:strengths|weaknesses} of {lang} as a [language|programming language]?',
    ],
  },
  // ---------------------------------------------------------------- careers
  {
    id: 'job-at-company',
    topic: 'careers',
    slots: [intent('v', 2), ent('company')],
    templates: [
      'How do I get {v:a job/a full-time job|an internship} at {company}?',
      'What does it take to get {v:a job|an internship} at {company}?',
      'How can I land {v:a job|an internship} at {company}?',
      'What is the best way to get {v:a job|an internship} at {company}?',
      'How [hard|difficult] is it to get {v:a job|an internship} at {company}?',
    ],
  },
  {
    id: 'work-culture',
    topic: 'careers',
    slots: [ent('company')],
    templates: [
      'What is it like to work at {company}?',
      'How is the work culture at {company}?',
      'What is the work environment like at {company}?',
      'How is working for {company}?',
      'What do employees think about working at {company}?',
    ],
  },
  {
    id: 'interview-prep',
    topic: 'careers',
    slots: [ent('company'), ent('job')],
    templates: [
      'How do I prepare for a {company} {job} interview?',
      'How should I prepare for the {job} interview at {company}?',
      'What is the best way to prepare for a {job} interview with {company}?',
      'Any tips for the {company} interview for a {job} role?',
      'What should I study for a {job} interview at {company}?',
    ],
  },
  {
    id: 'salary-experience',
    topic: 'careers',
    slots: [ent('job'), num('n', 'years'), ent('country')],
    templates: [
      'What is the salary of a {job} with {n} of experience in {country}?',
      'How much does a {job} with {n} of experience earn in {country}?',
      'What is the average pay for a {job} in {country} with {n} of experience?',
      'How much can a {job} in {country} make after {n}?',
      'What salary should a {job} with {n} of experience expect in {country}?',
    ],
  },
  {
    id: 'become-job',
    topic: 'careers',
    slots: [ent('job')],
    templates: [
      'How can I become a {job}?',
      'What steps should I take to become a {job}?',
      'What does it take to become a [good|successful|] {job}?',
      'How do I start a career as a {job}?',
      'What is the path to becoming a {job}?',
    ],
  },
  {
    id: 'career-change',
    topic: 'careers',
    slots: [ent('from', 'job'), ent('to', 'job')],
    ordered: ['from', 'to'],
    templates: [
      'How do I switch careers from {from} to {to}?',
      'How can a {from} become a {to}?',
      'What is the best way to make a career change from {from} to {to}?',
      'Is it possible to go from being a {from} to being a {to}?',
      'I am a {from}. How can I become a {to}?',
    ],
  },
  {
    id: 'job-without-degree',
    topic: 'careers',
    slots: [neg(), ent('job')],
    templates: [
      'Can I get a job as a {job} {neg:with a|without a/with no} degree?',
      'Is it possible to become a {job} {neg:with a|without a/with no} college degree?',
      'How do I get hired as a {job} {neg:with a|without a/with no} degree?',
      'Can someone {neg:with a|without a/with no} degree work as a {job}?',
    ],
  },
  {
    id: 'compare-company',
    topic: 'careers',
    slots: [ent('a', 'company'), ent('b', 'company')],
    symmetric: ['a', 'b'],
    templates: [
      'Should I join {a} or {b}?',
      'Which is a better place to work, {a} or {b}?',
      '{a} or {b}: which company is better to work for?',
      'I have offers from {a} and {b}. Which one should I [accept|take]?',
      'Is {a} a better employer than {b}?',
    ],
  },
  // ---------------------------------------------------------------- exams and education
  {
    id: 'exam-months',
    topic: 'exams',
    slots: [ent('exam'), num('m', 'months')],
    templates: [
      'How should I prepare for {exam} in {m}?',
      'How can I crack {exam} in {m}?',
      'Is it possible to clear {exam} with {m} of preparation?',
      'What is the best [study plan|strategy] to prepare for {exam} in {m}?',
      'I have {m} left for {exam}. How should I prepare?',
      'Can I crack {exam} if I start preparing {m} before the exam?',
    ],
  },
  {
    id: 'exam-hours',
    topic: 'exams',
    slots: [num('h', 'hours'), ent('exam')],
    templates: [
      'Is studying {h} a day enough to crack {exam}?',
      'Can I crack {exam} by studying {h} daily?',
      'Will {h} of study per day be enough for {exam}?',
      'Are {h} of study every day enough [to clear|for] {exam}?',
    ],
  },
  {
    id: 'exam-books',
    topic: 'exams',
    slots: [ent('exam')],
    templates: [
      'What are the best books for {exam} preparation?',
      'Which books should I read for {exam}?',
      'Which books are recommended to prepare for {exam}?',
      'What books should I [use|refer to] for {exam}?',
      'Best books for {exam}?',
    ],
  },
  {
    id: 'exam-coaching',
    topic: 'exams',
    slots: [ent('exam'), neg()],
    templates: [
      'Can I crack {exam} {neg:with|without/with no} coaching?',
      'Is it possible to clear {exam} {neg:after|without} joining a coaching [institute|class]?',
      'How do people pass {exam} {neg:with|without/with no} coaching?',
      'Can I score well in {exam} {neg:with some|without any/with no} coaching?',
    ],
  },
  {
    id: 'exam-before-after',
    topic: 'exams',
    slots: [intent('t', 2), ent('exam')],
    templates: [
      'What should I do {t:before|after} my {exam} exam?',
      'What do I need to do {t:before|after} taking {exam}?',
      'What are the things to do {t:before|after} {exam}?',
      'Any advice on what to do {t:before|after} the {exam}?',
    ],
  },
  {
    id: 'gre-score',
    topic: 'exams',
    slots: [num('score', 'gre'), ent('university')],
    templates: [
      'Is {score} a good GRE score for {university}?',
      'Can I get into {university} with a GRE score of {score}?',
      'What are my chances at {university} with {score} in the GRE?',
      'Will a GRE score of {score} get me [into|admitted to] {university}?',
      'I got {score} in GRE. Can I get admission in {university}?',
    ],
  },
  {
    id: 'board-percent',
    topic: 'exams',
    slots: [num('p', 'pct')],
    templates: [
      'How can I score above {p} in my class 12 board exams?',
      'What should I do to get more than {p} in 12th boards?',
      'How do I get {p} or more in the 12th board exams?',
      'Tips to score over {p} in class 12 boards?',
    ],
  },
  {
    id: 'best-college',
    topic: 'education',
    slots: [ent('degree'), ent('country')],
    templates: [
      'Which is the best college for {degree} in {country}?',
      'What are the top universities for {degree} in {country}?',
      'Which universities in {country} are best for {degree}?',
      'Where should I study {degree} in {country}?',
      'What are the best colleges in {country} to study {degree}?',
    ],
  },
  {
    id: 'degree-worth',
    topic: 'education',
    slots: [ent('degree'), ent('university')],
    templates: [
      'Is a {degree} degree from {university} worth it?',
      'Is it worth studying {degree} at {university}?',
      'Should I do {degree} at {university}?',
      'How valuable is a {degree} degree from {university}?',
    ],
  },
  {
    id: 'degree-cost-duration',
    topic: 'education',
    slots: [intent('asp', 2), ent('degree'), ent('country')],
    templates: [
      'How {asp:much does it cost|long does it take} to [get|do] a {degree} degree in {country}?',
      'What is the {asp:cost/price|duration} of a {degree} degree in {country}?',
      '{asp:How expensive|How long} is a {degree} degree in {country}?',
      'What is the total {asp:cost|time} needed to complete {degree} in {country}?',
    ],
  },
  {
    id: 'jobs-after-degree',
    topic: 'education',
    slots: [ent('degree')],
    templates: [
      'What are the job [prospects|opportunities] after a degree in {degree}?',
      'What jobs can I get with a {degree} degree?',
      'What career options are there after {degree}?',
      'What can I do after completing my {degree} degree?',
    ],
  },
  {
    id: 'too-old-to-learn',
    topic: 'learning',
    slots: [ent('skill'), num('age')],
    templates: [
      'Is it too late to start learning {skill} at {age}?',
      'Am I too old to learn {skill} at the age of {age}?',
      'Can I still learn {skill} if I am {age} years old?',
      "I'm {age}. Is it too late for me to learn {skill}?",
      'Is {age} too old to [start|begin] learning {skill}?',
    ],
  },
  // ---------------------------------------------------------------- self improvement
  {
    id: 'stop-habit',
    topic: 'self-improvement',
    slots: [ent('habit')],
    templates: [
      'How do I stop {habit}?',
      'How can I [stop|quit] {habit}?',
      'What is the best way to [stop|quit] {habit}?',
      'How do I get rid of the habit of {habit}?',
      'What can I do to stop {habit}?',
      'I want to stop {habit}. What should I do?',
    ],
  },
  {
    id: 'improve-soft',
    topic: 'self-improvement',
    slots: [ent('soft')],
    templates: [
      'How can I improve my {soft}?',
      'What are some ways to improve my {soft}?',
      'What can I do to improve my {soft}?',
      'How do I [work on|develop] my {soft}?',
      "What is the best way to improve [my|one's] {soft}?",
    ],
  },
  // ---------------------------------------------------------------- health
  {
    id: 'disease-aspect',
    topic: 'health',
    slots: [intent('x', 3), ent('disease')],
    templates: [
      'What are the {x:symptoms/signs|causes|treatments/cures} of {disease}?',
      'What are the common {x:symptoms|causes|treatments} for {disease}?',
      'Can you list the {x:symptoms|causes|treatment options} of {disease}?',
      '{disease}: what are its {x:symptoms|causes|treatments}?',
      'What are the main {x:signs|causes|cures} of {disease}?',
    ],
  },
  {
    id: 'home-remedy',
    topic: 'health',
    slots: [ent('disease')],
    templates: [
      'What is the best home remedy for {disease}?',
      'What are some [natural|effective] home remedies for {disease}?',
      'How can I treat {disease} at home?',
      'Are there any home remedies that [work|help] for {disease}?',
    ],
  },
  {
    id: 'food-for-disease',
    topic: 'health',
    slots: [ent('food'), ent('disease')],
    templates: [
      'Is eating {food} good for {disease}?',
      'Is it good for people with {disease} to eat {food}?',
      'Can eating {food} help with {disease}?',
      'Should someone with {disease} eat {food}?',
      'Can {food} help [cure|treat] {disease}?',
    ],
  },
  {
    id: 'food-daily',
    topic: 'health',
    slots: [neg(), ent('food')],
    templates: [
      'Is it {neg:healthy|unhealthy/not healthy} to eat {food} every day?',
      'Is eating {food} every day {neg:good|bad} for you?',
      'Is daily consumption of {food} {neg:healthy|harmful}?',
      'Is it {neg:good|bad} for your health to have {food} [daily|every day]?',
    ],
  },
  {
    id: 'gain-lose-kg',
    topic: 'health',
    slots: [intent('v', 2), num('kg'), num('m', 'months')],
    templates: [
      'How do I {v:lose|gain} {kg} in {m}?',
      'How can I {v:lose/reduce|gain/put on} {kg} in {m}?',
      'Is it possible to {v:lose|gain} {kg} in {m}?',
      'What diet should I follow to {v:lose|gain} {kg} in {m}?',
      'I want to {v:lose|gain} {kg} in {m}. What should I do?',
    ],
  },
  {
    id: 'lose-weight-activity',
    topic: 'health',
    slots: [neg(), ent('activity')],
    templates: [
      'Can you lose weight {neg:by|without} {activity}?',
      'Is it possible to lose weight {neg:by|without} {activity}?',
      'Will I lose weight {neg:with|without} {activity}?',
      'How do I lose weight {neg:by|without} {activity}?',
    ],
  },
  {
    id: 'activity-benefits',
    topic: 'health',
    slots: [intent('pol', 2), ent('activity')],
    templates: [
      'What are the {pol:benefits/advantages|side effects/risks} of {activity}?',
      'What are the health {pol:benefits|risks} of {activity}?',
      'What {pol:good|harm} does {activity} do to your body?',
      'What are the {pol:positive|negative} effects of {activity} on the body?',
    ],
  },
  {
    id: 'sleepy-after-food',
    topic: 'health',
    slots: [neg(), ent('food')],
    templates: [
      "Why {neg:do|don't/do not} I feel sleepy after eating {food}?",
      "Why {neg:does|doesn't/does not} eating {food} make me sleepy?",
      "What is the reason I {neg:get sleepy|don't get sleepy/do not get sleepy} after I eat {food}?",
      'Why {neg:am I|am I not} tired after having {food}?',
    ],
  },
  // ---------------------------------------------------------------- travel and countries
  {
    id: 'move-country',
    topic: 'travel',
    slots: [ent('from', 'country'), ent('to', 'country')],
    ordered: ['from', 'to'],
    templates: [
      'How can I move from {from} to {to}?',
      'What is the process to migrate from {from} to {to}?',
      'How do I relocate from {from} to {to}?',
      'What are the steps to immigrate to {to} from {from}?',
      'How can someone from {from} settle in {to}?',
    ],
  },
  {
    id: 'visa-needed',
    topic: 'travel',
    slots: [ent('from', 'country'), ent('to', 'country')],
    ordered: ['from', 'to'],
    templates: [
      'Do I need a visa to travel from {from} to {to}?',
      'Is a visa required to travel to {to} from {from}?',
      'Do citizens of {from} need a visa to visit {to}?',
      'Can I visit {to} without a visa if I am from {from}?',
    ],
  },
  {
    id: 'cheap-travel',
    topic: 'travel',
    slots: [ent('from', 'city'), ent('to', 'city')],
    ordered: ['from', 'to'],
    templates: [
      'What is the cheapest way to travel from {from} to {to}?',
      'How can I travel from {from} to {to} on a budget?',
      'What is the most economical way to get from {from} to {to}?',
      'Cheapest way to go to {to} from {from}?',
    ],
  },
  {
    id: 'send-money',
    topic: 'finance',
    slots: [ent('from', 'country'), ent('to', 'country')],
    ordered: ['from', 'to'],
    templates: [
      'How do I transfer money from {from} to {to}?',
      'What is the best way to send money from {from} to {to}?',
      'How can I send money to {to} from {from}?',
      'What is the cheapest way to transfer money from {from} to {to}?',
    ],
  },
  {
    id: 'opinion-country',
    topic: 'countries',
    slots: [ent('a', 'country'), ent('b', 'country')],
    ordered: ['a', 'b'],
    templates: [
      'What do people in {a} think about {b}?',
      'How do people from {a} view {b}?',
      'What is the general opinion of {b} among people in {a}?',
      'What do people of {a} think of {b}?',
    ],
  },
  {
    id: 'country-dislikes',
    topic: 'countries',
    slots: [ent('a', 'country'), ent('b', 'country')],
    ordered: ['a', 'b'],
    templates: [
      'Why does {a} hate {b}?',
      'Why do people in {a} dislike {b}?',
      'Why is {a} so hostile towards {b}?',
      'What are the reasons {a} dislikes {b}?',
    ],
  },
  {
    id: 'flight-time',
    topic: 'travel',
    slots: [ent('from', 'city'), ent('to', 'city')],
    ordered: ['from', 'to'],
    templates: [
      'How long is the flight from {from} to {to}?',
      'What is the flight duration from {from} to {to}?',
      'How many hours does it take to fly from {from} to {to}?',
      'How long does it take to fly to {to} from {from}?',
    ],
  },
  {
    id: 'visit-season',
    topic: 'travel',
    slots: [ent('country')],
    templates: [
      'What is the best time to visit {country}?',
      'When is the best time to [go to|visit] {country}?',
      'Which month is ideal for a trip to {country}?',
      'What is the ideal season to travel to {country}?',
    ],
  },
  {
    id: 'places-city',
    topic: 'travel',
    slots: [ent('city')],
    templates: [
      'What are the best places to visit in {city}?',
      'What should I see in {city}?',
      'Which tourist spots in {city} should I not miss?',
      'What are the must-visit places in {city}?',
      'What are some [good|interesting] places to visit in {city}?',
    ],
  },
  {
    id: 'life-city',
    topic: 'countries',
    slots: [ent('city')],
    templates: [
      'What is it like to live in {city}?',
      'How is life in {city}?',
      'What is living in {city} really like?',
      'How is the quality of life in {city}?',
    ],
  },
  {
    id: 'trip-cost-days',
    topic: 'travel',
    slots: [intent('asp', 2), num('d', 'days'), ent('country')],
    templates: [
      'What is the {asp:budget|best itinerary} for {d} in {country}?',
      'How {asp:much money do I need|should I plan my time} for a trip of {d} to {country}?',
      'Can you suggest {asp:a budget|an itinerary} for a trip of {d} to {country}?',
      'I am planning to spend {d} in {country}. {asp:How much will it cost|What should I see}?',
    ],
  },
  {
    id: 'superpower-by',
    topic: 'countries',
    slots: [ent('country'), num('y', 'future')],
    templates: [
      'Will {country} become a superpower by {y}?',
      'Can {country} be a superpower by {y}?',
      'Is it possible for {country} to be a superpower by {y}?',
      'What are the chances that {country} becomes a superpower by {y}?',
    ],
  },
  {
    id: 'rich-poor-country',
    topic: 'countries',
    slots: [intent('adj', 2), ent('country')],
    templates: [
      'Why is {country} so {adj:rich|poor}?',
      'What makes {country} such a {adj:rich/wealthy|poor} country?',
      'Why is {country} {adj:so rich|so poor} compared to other countries?',
      'What are the reasons {country} is {adj:rich|poor}?',
    ],
  },
  {
    id: 'richest-person',
    topic: 'countries',
    slots: [intent('q', 2), ent('country')],
    templates: [
      'Who is the {q:richest/wealthiest|most powerful/most influential} person in {country}?',
      'Which person in {country} is the {q:richest|most powerful}?',
      'Who is currently the {q:richest|most powerful} man in {country}?',
      'Who would you say is the {q:richest|most powerful} person in {country} today?',
    ],
  },
  // ---------------------------------------------------------------- finance
  {
    id: 'buy-sell-investment',
    topic: 'finance',
    slots: [intent('v', 2), ent('inv', 'investment')],
    templates: [
      'What is the best time to {v:buy|sell} {inv}?',
      'When should I {v:buy/invest in|sell} {inv}?',
      'Is now a good time to {v:buy|sell} {inv}?',
      'How do I know when to {v:buy|sell} {inv}?',
    ],
  },
  {
    id: 'invest-now',
    topic: 'finance',
    slots: [ent('inv', 'investment')],
    templates: [
      'Is it a good idea to invest in {inv} right now?',
      'Should I invest in {inv} now?',
      'Is now the right time to put money into {inv}?',
      'Is investing in {inv} a good idea [at the moment|these days]?',
    ],
  },
  {
    id: 'invest-with-money',
    topic: 'finance',
    slots: [ent('inv', 'investment'), num('money', 'inr')],
    templates: [
      'How can I start investing in {inv} with just {money}?',
      'Can I begin investing in {inv} with only {money}?',
      'Is {money} enough to start investing in {inv}?',
      'How should I invest {money} in {inv}?',
    ],
  },
  {
    id: 'earn-online',
    topic: 'finance',
    slots: [num('money', 'usd'), intent('per', 2)],
    templates: [
      'How can I earn {money} {per:a month/per month|a day/per day} online?',
      'What are some ways to make {money} {per:a month|a day} online?',
      'Is it possible to earn {money} {per:every month|every day} from the internet?',
      'How do I make {money} {per:per month|per day} from home using the internet?',
    ],
  },
  {
    id: 'market-year',
    topic: 'finance',
    slots: [ent('country'), num('y', 'year')],
    templates: [
      'How did the economy of {country} do in {y}?',
      'How was the economy of {country} in {y}?',
      'What happened to the economy of {country} in {y}?',
      'How did {country} perform economically in {y}?',
    ],
  },
  // ---------------------------------------------------------------- products and tech
  {
    id: 'compare-product',
    topic: 'products',
    slots: [ent('a', 'product'), ent('b', 'product')],
    symmetric: ['a', 'b'],
    templates: [
      'Should I buy the {a} or the {b}?',
      'Which is better, the {a} or the {b}?',
      '{a} vs {b}: which one should I buy?',
      'Which one is worth buying: {a} or {b}?',
      'Is the {a} better than the {b}?',
    ],
  },
  {
    id: 'product-worth-year',
    topic: 'products',
    slots: [ent('product'), num('y', 'year')],
    templates: [
      'Is the {product} worth buying in {y}?',
      'Is it worth it to buy a {product} in {y}?',
      'Should I still buy the {product} in {y}?',
      'Does buying a {product} make sense in {y}?',
    ],
  },
  {
    id: 'battery-drain',
    topic: 'products',
    slots: [ent('product')],
    templates: [
      'How do I fix the battery drain on my {product}?',
      'Why does my {product} battery drain so fast?',
      'How can I improve the battery life of my {product}?',
      'My {product} battery drains quickly. What should I do?',
    ],
  },
  {
    id: 'best-phone-budget',
    topic: 'products',
    slots: [num('b', 'inr')],
    templates: [
      'What is the best phone under {b}?',
      'Which is the best smartphone below {b}?',
      'Which phone should I buy with a budget of {b}?',
      'Can you suggest a good mobile under {b}?',
      'Best smartphone to buy under {b} in India?',
    ],
  },
  {
    id: 'account-create-delete',
    topic: 'tech',
    slots: [intent('v', 2), ent('app')],
    templates: [
      'How do I {v:delete|create} my {app} account?',
      'How can I {v:permanently delete|make} a {app} account?',
      'What are the steps to {v:delete|create} a {app} account?',
      'Is there a way to {v:remove|open} my {app} account?',
    ],
  },
  {
    id: 'app-hacked',
    topic: 'tech',
    slots: [ent('app')],
    templates: [
      'How do I recover my hacked {app} account?',
      'Someone hacked my {app} account. How do I get it back?',
      'How can I get back my {app} account after it was hacked?',
      'What should I do if my {app} account has been hacked?',
    ],
  },
  // ---------------------------------------------------------------- relationships
  {
    id: 'partner-signs',
    topic: 'relationships',
    slots: [intent('v', 2), ent('partner')],
    templates: [
      'How do I know if my {partner} {v:loves me|is cheating on me}?',
      'What are the signs that my {partner} {v:really loves me|is cheating on me}?',
      'How can I tell if my {partner} {v:loves me|is cheating}?',
      'How can I find out whether my {partner} {v:truly loves me|is cheating on me}?',
    ],
  },
  {
    id: 'impress-target',
    topic: 'relationships',
    slots: [ent('target')],
    templates: [
      'How do I impress {target}?',
      'What is the best way to impress {target}?',
      'How can I make a good impression on {target}?',
      'What should I do to impress {target}?',
    ],
  },
  {
    id: 'tell-love',
    topic: 'relationships',
    slots: [neg(), ent('partner')],
    templates: [
      'Should I {neg:|not }tell my {partner} that I love them?',
      'Is it a good idea {neg:to|not to} tell my {partner} I love them?',
      'Would it be better {neg:to tell|not to tell} my {partner} about my feelings?',
      'Should I {neg:confess|not confess} my love to my {partner}?',
    ],
  },
  {
    id: 'get-over',
    topic: 'relationships',
    slots: [ent('partner')],
    templates: [
      'How do I get over my {partner}?',
      'How can I move on from my {partner}?',
      'What is the best way to forget my {partner}?',
      'How do I stop thinking about my {partner}?',
    ],
  },
  // ---------------------------------------------------------------- people and politics
  {
    id: 'opinion-person',
    topic: 'politics',
    slots: [ent('person')],
    templates: [
      'What do you think of {person}?',
      'What is your opinion about {person}?',
      'How do you feel about {person}?',
      'What are your views on {person}?',
      'What is your honest opinion of {person}?',
    ],
  },
  {
    id: 'person-on-person',
    topic: 'politics',
    slots: [ent('a', 'person'), ent('b', 'person')],
    ordered: ['a', 'b'],
    templates: [
      'What does {a} think about {b}?',
      "What is {a}'s opinion of {b}?",
      'How does {a} feel about {b}?',
      "What are {a}'s views on {b}?",
    ],
  },
  {
    id: 'good-leader',
    topic: 'politics',
    slots: [ent('person', 'politician')],
    templates: [
      'Is {person} a good leader?',
      'Do you think {person} is a good leader?',
      'Would you say {person} is an effective leader?',
      'How good a leader is {person}?',
    ],
  },
  {
    id: 'won-lost',
    topic: 'politics',
    slots: [neg(), ent('person', 'politician')],
    templates: [
      "Why {neg:did|didn't/did not} {person} win the election?",
      'What are the reasons {person} {neg:won|lost} the election?',
      'What helped {person} {neg:win|lose} the election?',
      'How {neg:did|come} {person} {neg:win|lost} the election?',
    ],
  },
  {
    id: 'person-president',
    topic: 'politics',
    slots: [ent('person'), num('y', 'future')],
    templates: [
      'Will {person} run for president in {y}?',
      'Is {person} going to run for president in {y}?',
      'Do you think {person} will run for president in {y}?',
      'What are the chances of {person} running for president in {y}?',
    ],
  },
  // ---------------------------------------------------------------- entertainment
  {
    id: 'best-episode',
    topic: 'entertainment',
    slots: [intent('q', 2), ent('show')],
    templates: [
      'What is the {q:best|worst} episode of {show}?',
      'Which {show} episode is the {q:best|worst}?',
      'Which is the {q:greatest|weakest} episode of {show}?',
      'In your opinion, what is the {q:best|worst} {show} episode?',
    ],
  },
  {
    id: 'watch-download',
    topic: 'entertainment',
    slots: [intent('v', 2), ent('show')],
    templates: [
      'Where can I {v:watch|download} {show} online?',
      'Which website lets me {v:watch/stream|download} {show}?',
      'Is there a [legal|] way to {v:watch|download} {show} online?',
      'How can I {v:watch|download} all episodes of {show}?',
    ],
  },
  {
    id: 'show-season',
    topic: 'entertainment',
    slots: [ent('show'), num('s', 'season')],
    templates: [
      'Will there be a season {s} of {show}?',
      'Is {show} coming back for season {s}?',
      'Has {show} been renewed for season {s}?',
      'Is season {s} of {show} going to happen?',
    ],
  },
  {
    id: 'slang-meaning',
    topic: 'language',
    slots: [ent('slang')],
    templates: [
      'What does "{slang}" mean?',
      'What is the meaning of the word "{slang}"?',
      'What do people mean when they say "{slang}"?',
      'What does "{slang}" mean in slang?',
    ],
  },
  // ---------------------------------------------------------------- science
  {
    id: 'explain-concept',
    topic: 'science',
    slots: [ent('concept')],
    templates: [
      'Can someone explain {concept} in simple terms?',
      "What is {concept}, in layman's terms?",
      'How would you explain {concept} to a child?',
      'What is the simplest explanation of {concept}?',
      'How can {concept} be explained [simply|in simple words]?',
    ],
  },
  {
    id: 'travel-planet',
    topic: 'science',
    slots: [ent('planet')],
    templates: [
      'How long would it take to travel to {planet}?',
      'How many years would it take to reach {planet}?',
      'What is the travel time from Earth to {planet}?',
      'How long does a trip to {planet} take?',
    ],
  },
  {
    id: 'live-on-planet',
    topic: 'science',
    slots: [neg(), ent('planet')],
    templates: [
      "Why {neg:can|can't/cannot} humans survive on {planet}?",
      'What {neg:makes it possible|makes it impossible} for humans to live on {planet}?',
      "Why {neg:is|isn't/is not} {planet} habitable for humans?",
      "How {neg:come humans can|come humans can't/come humans cannot} live on {planet}?",
    ],
  },
  {
    id: 'concept-real',
    topic: 'science',
    slots: [neg(), ent('concept')],
    templates: [
      'Why do some scientists {neg:believe in|not believe in} {concept}?',
      "Why {neg:do|don't/do not} some scientists accept {concept}?",
      'What are the reasons some scientists {neg:accept|reject} {concept}?',
      'Why are some scientists {neg:convinced|not convinced/unconvinced} about {concept}?',
    ],
  },
  // ---------------------------------------------------------------- evergreen questions (no slots)
  {
    id: 'sky-blue',
    topic: 'science',
    slots: [],
    templates: [
      'Why is the sky blue?',
      'What makes the sky look blue?',
      'Why does the sky appear blue during the day?',
      'What is the reason the sky is blue?',
    ],
  },
  {
    id: 'meaning-of-life',
    topic: 'philosophy',
    slots: [],
    templates: [
      'What is the meaning of life?',
      'What is the purpose of life?',
      'Why are we alive? What is the point of life?',
      'What is the true meaning of human life?',
    ],
  },
  {
    id: 'demonetization',
    topic: 'politics',
    slots: [],
    templates: [
      'What do you think about the ban on Rs 500 and Rs 1000 notes?',
      'What is your opinion on demonetization of 500 and 1000 rupee notes?',
      "How will the ban on 500 and 1000 notes affect India's economy?",
      'Is the demonetization of Rs 500 and Rs 1000 notes a good move?',
    ],
  },
  {
    id: 'quora-answers',
    topic: 'meta',
    slots: [],
    templates: [
      'How do I get more views on my Quora answers?',
      'How can I get more upvotes on Quora?',
      'What should I do to get more people to read my answers on Quora?',
      'How can I increase the views on my answers on Quora?',
    ],
  },
  {
    id: 'make-money-online',
    topic: 'finance',
    slots: [],
    templates: [
      'How can I make money online?',
      'What are the best ways to earn money online?',
      'How do I earn money from the internet?',
      'What are some legit ways to make money online?',
    ],
  },
];

/**
 * Context sentences people put before or after a question ("I am 25 years old."). They carry entities
 * and numbers that do not change what is asked, so a word that differs between two questions is not
 * always a meaning change: a model has to see where the word is.
 */
export const CONTEXTS: Family[] = [
  {
    id: 'ctx-age',
    fits: [
      'learning',
      'careers',
      'health',
      'self-improvement',
      'relationships',
      'exams',
      'education',
      'finance',
    ],
    topic: 'context',
    slots: [num('age')],
    templates: ['I am {age} years old.', "I'm {age}."],
  },
  {
    id: 'ctx-country',
    fits: ['travel', 'countries', 'careers', 'education', 'finance', 'politics', 'exams'],
    topic: 'context',
    slots: [ent('country')],
    templates: ['I am from {country}.', 'I live in {country}.', 'I am currently in {country}.'],
  },
  {
    id: 'ctx-city',
    fits: ['travel', 'careers', 'products', 'health', 'relationships', 'tech'],
    topic: 'context',
    slots: [ent('city')],
    templates: ['I live in {city}.', 'I am based in {city}.'],
  },
  {
    id: 'ctx-company',
    fits: ['careers', 'programming', 'finance'],
    topic: 'context',
    slots: [ent('company')],
    templates: ['I work at {company}.', 'I am working at {company}.', 'I have an offer from {company}.'],
  },
  {
    id: 'ctx-job',
    fits: ['careers', 'learning', 'finance', 'self-improvement', 'health'],
    topic: 'context',
    slots: [ent('job')],
    templates: ['I am a {job}.', 'I work as a {job}.'],
  },
  {
    id: 'ctx-experience',
    fits: ['careers', 'programming', 'education'],
    topic: 'context',
    slots: [num('n', 'years')],
    templates: ['I have {n} of work experience.', 'I have been working for {n}.'],
  },
  {
    id: 'ctx-lang',
    fits: ['programming', 'careers', 'learning'],
    topic: 'context',
    slots: [ent('lang')],
    templates: ['I know {lang}.', 'I am comfortable with {lang}.', 'I only know {lang}.'],
  },
  {
    id: 'ctx-degree',
    fits: ['education', 'careers', 'exams', 'learning'],
    topic: 'context',
    slots: [ent('degree')],
    templates: ['I am a {degree} student.', 'I studied {degree}.', 'I have a degree in {degree}.'],
  },
  {
    id: 'ctx-exam',
    fits: ['exams', 'education', 'self-improvement'],
    topic: 'context',
    slots: [ent('exam')],
    templates: ['I am preparing for {exam}.', 'I am taking {exam} this year.'],
  },
  {
    id: 'ctx-budget',
    fits: ['products', 'travel', 'finance', 'tech'],
    topic: 'context',
    slots: [num('b', 'inr')],
    templates: ['My budget is {b}.', 'I can spend {b}.'],
  },
  {
    id: 'ctx-year',
    fits: ['careers', 'education', 'exams'],
    topic: 'context',
    slots: [num('y', 'year')],
    templates: ['I graduated in {y}.', 'I finished college in {y}.'],
  },
];
