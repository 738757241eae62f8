//! Results of a questionnaire: per-question figures over many responses,
//! breakdowns by group (named mode only) and hot versus cold.
//!
//! Everything is counted in integers. Means and medians are given in
//! hundredths ([`Centi`]): a mean is rounded to the nearest hundredth,
//! halves away from zero; a median of an even count is the midpoint of the
//! two middle values, exact in hundredths. The « recommanderiez-vous »
//! score is (promoters − detractors) × 100 / answers, rounded to the
//! nearest whole number, halves away from zero; percentages
//! ([`percent`]) are rounded the same way.
//!
//! Cost: one pass over the responses, walking each one's answers (sorted
//! by id) alongside the questions sorted by id: O(R × (Q + A)) for R
//! responses, Q questions, A answers each; ratings are counted in fixed
//! arrays, numbers sorted for their median (O(n log n)), texts copied.
//! That walk, and the look-up of each option and matrix row, is done once
//! per response ([`Tally::read`]) however many tallies then count it
//! ([`Tally::add_counted`], [`Breakdown::add_counted`]).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{FeedbackAnswer, FeedbackKind, Questionnaire, RECOMMEND, SCALE};

/// One person's stored response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Answers as [`super::check_answers`] returned them.
    pub answers: BTreeMap<String, FeedbackAnswer>,
    /// Submitted (rather than saved as the person goes).
    #[serde(default)]
    pub submitted: bool,
    /// The person's type of structure, in named mode only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structure_type: Option<String>,
    /// The person's territory, in named mode only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub territory: Option<String>,
    /// The person's workshop, in named mode only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workshop: Option<String>,
    /// Given through the event-wide public link (« lien public »), by
    /// nobody in particular.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
}

impl Response {
    /// For [`breakdown`]: by type of structure.
    pub fn by_structure_type(&self) -> Option<&str> {
        self.structure_type.as_deref()
    }

    /// For [`breakdown`]: by territory.
    pub fn by_territory(&self) -> Option<&str> {
        self.territory.as_deref()
    }

    /// For [`breakdown`]: by workshop.
    pub fn by_workshop(&self) -> Option<&str> {
        self.workshop.as_deref()
    }
}

/// A number in hundredths: `Centi(425)` is 4.25, shown « 4,25 ».
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Centi(pub i64);

/// French writing: a decimal comma, trailing zeros dropped (« 4,25 »,
/// « 4,5 », « 4 », « -0,5 »).
impl fmt::Display for Centi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, cents) = (abs / 100, abs % 100);
        match cents {
            0 => write!(f, "{sign}{whole}"),
            c if c % 10 == 0 => write!(f, "{sign}{whole},{}", c / 10),
            c => write!(f, "{sign}{whole},{c:02}"),
        }
    }
}

/// `numerator / denominator`, rounded to the nearest integer, halves away
/// from zero; `denominator` > 0.
fn divide_rounded(numerator: i128, denominator: i128) -> i128 {
    let twice = 2 * numerator.abs() + denominator;
    let magnitude = twice / (2 * denominator);
    if numerator < 0 { -magnitude } else { magnitude }
}

fn clamp(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

/// The mean of `count` values summing to `sum`, in hundredths (saturating
/// at the bounds of `i64`); `None` when there is none.
fn mean(sum: i128, count: usize) -> Option<Centi> {
    (count > 0).then(|| Centi(clamp(divide_rounded(sum * 100, count as i128))))
}

/// `part` out of `whole` in percent, rounded to the nearest whole number
/// (halves up); `None` when `whole` is 0.
pub fn percent(part: usize, whole: usize) -> Option<u32> {
    (whole > 0).then(|| divide_rounded(part as i128 * 100, whole as i128) as u32)
}

/// Ratings counted per value: `counts[0]` for the smallest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratings {
    /// How many gave each value, from the smallest (1 for a scale, 0 for
    /// « recommanderiez-vous »).
    pub counts: Vec<usize>,
    /// The mean, in hundredths.
    pub mean: Option<Centi>,
    /// The median, in hundredths.
    pub median: Option<Centi>,
}

impl Ratings {
    fn new(len: usize) -> Self {
        Ratings {
            counts: vec![0; len],
            mean: None,
            median: None,
        }
    }

    fn add(&mut self, offset: i64, value: i64) {
        if let Some(count) = usize::try_from(value - offset)
            .ok()
            .and_then(|i| self.counts.get_mut(i))
        {
            *count += 1;
        }
    }

    /// The number of ratings.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    fn finish(&mut self, offset: i64) {
        let total = self.total();
        let sum: i128 = self
            .counts
            .iter()
            .enumerate()
            .map(|(i, &n)| (i as i128 + i128::from(offset)) * n as i128)
            .sum();
        self.mean = mean(sum, total);
        self.median = (total > 0).then(|| {
            // The value of the k-th rating (1-based), from the counts.
            let nth = |k: usize| {
                let mut seen = 0;
                for (i, &n) in self.counts.iter().enumerate() {
                    seen += n;
                    if seen >= k {
                        return i as i64 + offset;
                    }
                }
                unreachable!("k is at most the total")
            };
            let (a, b) = if total % 2 == 1 {
                (nth(total / 2 + 1), nth(total / 2 + 1))
            } else {
                (nth(total / 2), nth(total / 2 + 1))
            };
            Centi((a + b) * 50)
        });
    }
}

/// The figures of a « recommanderiez-vous » question.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Ratings 0 to 10 (`counts[0]` for 0).
    pub ratings: Ratings,
    /// Ratings of 9 or 10.
    pub promoters: usize,
    /// Ratings of 7 or 8.
    pub passives: usize,
    /// Ratings of 0 to 6.
    pub detractors: usize,
    /// Promoters minus detractors, in percent of the answers, rounded
    /// (−100 to 100); `None` without answers.
    pub score: Option<i32>,
}

/// One option of a choice and how many chose it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionCount {
    /// The option.
    pub option: String,
    /// How many chose it.
    pub count: usize,
}

/// The figures of a single or multiple choice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choices {
    /// Every option, in the questionnaire's order.
    pub options: Vec<OptionCount>,
    /// How many answered « Autre ».
    pub other: usize,
    /// What they wrote after « Autre : », in the order of the responses.
    pub other_texts: Vec<String>,
}

/// The figures of a number question.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Numbers {
    /// The mean, in hundredths.
    pub mean: Option<Centi>,
    /// The median, in hundredths.
    pub median: Option<Centi>,
    /// The smallest answer.
    pub min: Option<i64>,
    /// The largest answer.
    pub max: Option<i64>,
}

/// One row of a matrix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowRatings {
    /// The row (a day of a cycle, say).
    pub row: String,
    /// Its ratings, 1 to 5.
    pub ratings: Ratings,
}

/// The figures of one question, by kind. Externally tagged on the wire
/// (`{"scale": {...}}`), which serde reads without buffering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figures {
    /// A scale: distribution of 1 to 5, mean, median.
    Scale(Ratings),
    /// 0 to 10 and its score.
    Recommend(Recommendation),
    /// Counts per option, « Autre » and its texts.
    Choice(Choices),
    /// Oui / non.
    YesNo {
        /// How many answered yes.
        yes: usize,
        /// How many answered no.
        no: usize,
    },
    /// The text answers, in the order of the responses.
    Text(Vec<String>),
    /// A number: mean, median, range.
    Number(Numbers),
    /// One set of ratings per row, in the questionnaire's order.
    Matrix(Vec<RowRatings>),
}

/// The results of one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionSummary {
    /// The question's id.
    pub id: String,
    /// The question, as shown.
    pub label: String,
    /// How many responses answer it (for a matrix: rate at least one row).
    pub answered: usize,
    /// Its figures.
    pub figures: Figures,
}

/// The results of a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Responses counted, submitted or saved on the way.
    pub responses: usize,
    /// Of which submitted.
    pub submitted: usize,
    /// One per question, in the questionnaire's order.
    pub questions: Vec<QuestionSummary>,
}

impl Summary {
    /// Responses in percent of the people invited (see [`percent`]).
    pub fn response_rate(&self, invited: usize) -> Option<u32> {
        percent(self.responses, invited)
    }

    /// The results of the question with this id.
    pub fn question(&self, id: &str) -> Option<&QuestionSummary> {
        self.questions.iter().find(|q| q.id == id)
    }
}

/// How many text answers of each question (and « Autre » texts) the
/// results dashboard shows: every one for any event of a realistic size,
/// while a hundred thousand responses stay a page a browser can show (the
/// exports hold them all). A question's `answered` (a choice's `other`)
/// says how many there are.
pub const TEXTS_SHOWN: usize = 1_000;

/// Per-question accumulator; numbers are kept for their median.
enum Acc {
    Figures(Figures),
    Numbers(Vec<i64>),
}

/// The results of `responses` to `questionnaire`.
///
/// Answers that no longer fit their question (an option removed or a range
/// narrowed after they were given, a question whose kind changed) are left
/// out of its figures and of its `answered` count; answers to questions the
/// questionnaire no longer has are ignored.
pub fn summary(questionnaire: &Questionnaire, responses: &[Response]) -> Summary {
    summarise(questionnaire, responses.iter())
}

fn summarise<'r>(
    questionnaire: &Questionnaire,
    responses: impl Iterator<Item = &'r Response>,
) -> Summary {
    let mut tally = Tally::new(questionnaire);
    for response in responses {
        tally.add(&response.answers, response.submitted);
    }
    tally.finish()
}

/// The results of a questionnaire, counted one response at a time, so that
/// a caller reading the responses a page at a time never holds them all:
/// [`summary`] is `new`, `add` each response, then `finish`.
pub struct Tally<'q> {
    questionnaire: &'q Questionnaire,
    /// The questions in the order of their ids, to walk each response's
    /// answers (sorted by id too) alongside them, one comparison a step.
    by_id: Vec<usize>,
    accs: Vec<Acc>,
    answered: Vec<usize>,
    count: usize,
    submitted: usize,
    /// How many text answers (and « Autre » texts) are kept per question,
    /// in the order of the responses; the others are only counted.
    texts: usize,
}

impl<'q> Tally<'q> {
    /// A tally that keeps the text answers.
    pub fn new(questionnaire: &'q Questionnaire) -> Self {
        let questions = &questionnaire.questions;
        let accs = questions
            .iter()
            .map(|q| match &q.kind {
                FeedbackKind::Scale { .. } => Acc::Figures(Figures::Scale(Ratings::new(5))),
                FeedbackKind::Recommend => Acc::Figures(Figures::Recommend(Recommendation {
                    ratings: Ratings::new(11),
                    ..Recommendation::default()
                })),
                FeedbackKind::Single { options, .. } | FeedbackKind::Multiple { options, .. } => {
                    Acc::Figures(Figures::Choice(Choices {
                        options: options
                            .iter()
                            .map(|o| OptionCount {
                                option: o.clone(),
                                count: 0,
                            })
                            .collect(),
                        other: 0,
                        other_texts: Vec::new(),
                    }))
                }
                FeedbackKind::YesNo => Acc::Figures(Figures::YesNo { yes: 0, no: 0 }),
                FeedbackKind::ShortText | FeedbackKind::LongText => {
                    Acc::Figures(Figures::Text(Vec::new()))
                }
                FeedbackKind::Number { .. } => Acc::Numbers(Vec::new()),
                FeedbackKind::Matrix { rows, .. } => Acc::Figures(Figures::Matrix(
                    rows.iter()
                        .map(|row| RowRatings {
                            row: row.clone(),
                            ratings: Ratings::new(5),
                        })
                        .collect(),
                )),
            })
            .collect();
        let mut by_id: Vec<usize> = (0..questions.len()).collect();
        by_id.sort_by(|&a, &b| questions[a].id.cmp(&questions[b].id));
        Tally {
            questionnaire,
            by_id,
            accs,
            answered: vec![0; questions.len()],
            count: 0,
            submitted: 0,
            texts: usize::MAX,
        }
    }

    /// A tally that counts the text answers without keeping them (their
    /// figures are then empty lists): for breakdowns, whose groups would
    /// otherwise repeat every text of the whole results.
    pub fn counting_texts(questionnaire: &'q Questionnaire) -> Self {
        Tally {
            texts: 0,
            ..Tally::new(questionnaire)
        }
    }

    /// A tally that keeps the first `limit` text answers of each question
    /// (and as many « Autre » texts) and counts the others: for a page,
    /// which cannot show a hundred thousand of them (see [`TEXTS_SHOWN`]).
    pub fn showing_texts(questionnaire: &'q Questionnaire, limit: usize) -> Self {
        Tally {
            texts: limit,
            ..Tally::new(questionnaire)
        }
    }

    /// Counts one response's answers.
    pub fn add(&mut self, answers: &BTreeMap<String, FeedbackAnswer>, submitted: bool) {
        let mut counted = Counted::default();
        self.read(answers, &mut counted);
        self.add_counted(&counted, submitted);
    }

    /// Matches one response's answers to the questions they answer, into
    /// `counted` (emptied first): the work that every tally of the same
    /// questionnaire would otherwise repeat for that response (the
    /// dashboard counts each response four times: overall and in three
    /// breakdowns). Answers that do not fit their question are left out.
    pub fn read<'r>(
        &self,
        answers: &'r BTreeMap<String, FeedbackAnswer>,
        counted: &mut Counted<'r>,
    ) {
        counted.answers.clear();
        counted.picks.clear();
        let questions = &self.questionnaire.questions;
        let mut answers = answers.iter().peekable();
        'questions: for &i in &self.by_id {
            let id = questions[i].id.as_str();
            while let Some((key, answer)) = answers.peek() {
                match key.as_str().cmp(id) {
                    Ordering::Less => {
                        answers.next();
                    }
                    Ordering::Equal => {
                        if let Some(count) = count(&questions[i].kind, answer, &mut counted.picks) {
                            counted.answers.push((i, count));
                        }
                        continue 'questions;
                    }
                    Ordering::Greater => continue 'questions,
                }
            }
            break;
        }
    }

    /// Counts one response's answers as [`Tally::read`] matched them, by
    /// a tally of the same questionnaire.
    pub fn add_counted(&mut self, counted: &Counted<'_>, submitted: bool) {
        self.count += 1;
        self.submitted += usize::from(submitted);
        for (i, count) in &counted.answers {
            self.answered[*i] += 1;
            add(&mut self.accs[*i], count, &counted.picks, self.texts);
        }
    }

    /// The results.
    pub fn finish(self) -> Summary {
        let questions = self
            .questionnaire
            .questions
            .iter()
            .zip(self.accs)
            .zip(self.answered)
            .map(|((question, acc), answered)| QuestionSummary {
                id: question.id.clone(),
                label: question.label.clone(),
                answered,
                figures: finish(acc),
            })
            .collect();
        Summary {
            responses: self.count,
            submitted: self.submitted,
            questions,
        }
    }
}

/// Results per group, counted one response at a time (see [`breakdown`]);
/// text answers are counted, not kept.
pub struct Breakdown<'q> {
    questionnaire: &'q Questionnaire,
    named: BTreeMap<String, Tally<'q>>,
    unnamed: Option<Tally<'q>>,
}

impl<'q> Breakdown<'q> {
    /// No group yet.
    pub fn new(questionnaire: &'q Questionnaire) -> Self {
        Breakdown {
            questionnaire,
            named: BTreeMap::new(),
            unnamed: None,
        }
    }

    /// Counts one response in its group (`None`: the responses without).
    pub fn add(
        &mut self,
        group: Option<&str>,
        answers: &BTreeMap<String, FeedbackAnswer>,
        submitted: bool,
    ) {
        self.group(group).add(answers, submitted);
    }

    /// Counts one response in its group, as [`Tally::read`] matched its
    /// answers.
    pub fn add_counted(&mut self, group: Option<&str>, counted: &Counted<'_>, submitted: bool) {
        self.group(group).add_counted(counted, submitted);
    }

    fn group(&mut self, group: Option<&str>) -> &mut Tally<'q> {
        let questionnaire = self.questionnaire;
        match group {
            Some(name) => {
                if !self.named.contains_key(name) {
                    self.named
                        .insert(name.to_owned(), Tally::counting_texts(questionnaire));
                }
                self.named.get_mut(name).expect("inserted above")
            }
            None => self
                .unnamed
                .get_or_insert_with(|| Tally::counting_texts(questionnaire)),
        }
    }

    /// The groups in alphabetical order, then the responses without one;
    /// empty for an anonymous questionnaire.
    pub fn finish(self) -> Vec<Group> {
        if self.questionnaire.anonymous {
            return Vec::new();
        }
        let mut groups: Vec<Group> = self
            .named
            .into_iter()
            .map(|(name, tally)| Group {
                name: Some(name),
                summary: tally.finish(),
            })
            .collect();
        if let Some(tally) = self.unnamed {
            groups.push(Group {
                name: None,
                summary: tally.finish(),
            });
        }
        groups
    }
}

/// One response's answers matched to their questions by [`Tally::read`],
/// borrowing the response; reused from one response to the next.
#[derive(Debug, Default)]
pub struct Counted<'r> {
    /// Each answer that fits its question, by the question's index, in the
    /// order of the questions' ids.
    answers: Vec<(usize, Count<'r>)>,
    /// The options chosen (index, 0) and the rows rated (index, rating) of
    /// the choices and matrices in `answers`, which hold ranges of it.
    picks: Vec<(usize, i64)>,
}

/// What one answer that fits its question counts.
#[derive(Debug)]
enum Count<'r> {
    /// A rating of a scale or of « recommanderiez-vous », in its range.
    Rating(i64),
    YesNo(bool),
    /// A text answer, not blank.
    Text(&'r str),
    /// A number within the question's bounds.
    Number(i64),
    /// The options chosen (in `picks`) and what was typed after « Autre ».
    Choice {
        picks: std::ops::Range<usize>,
        other: Option<&'r str>,
    },
    /// The rows rated (in `picks`).
    Matrix(std::ops::Range<usize>),
}

/// What an answer counts for its question; `None` when it does not fit
/// (an option removed, a range narrowed, a question whose kind changed).
fn count<'r>(
    kind: &FeedbackKind,
    answer: &'r FeedbackAnswer,
    picks: &mut Vec<(usize, i64)>,
) -> Option<Count<'r>> {
    use FeedbackAnswer as A;
    match (kind, answer) {
        (FeedbackKind::Scale { .. }, A::Number(n)) if SCALE.contains(n) => Some(Count::Rating(*n)),
        (FeedbackKind::Recommend, A::Number(n)) if RECOMMEND.contains(n) => Some(Count::Rating(*n)),
        (FeedbackKind::YesNo, A::Bool(value)) => Some(Count::YesNo(*value)),
        (FeedbackKind::ShortText | FeedbackKind::LongText, A::Text(text))
            if !text.trim().is_empty() =>
        {
            Some(Count::Text(text))
        }
        (FeedbackKind::Number { min, max }, A::Number(n))
            if min.is_none_or(|min| *n >= min) && max.is_none_or(|max| *n <= max) =>
        {
            Some(Count::Number(*n))
        }
        (
            FeedbackKind::Single { options, .. } | FeedbackKind::Multiple { options, .. },
            A::Text(_) | A::Many(_) | A::Choice { .. },
        ) => {
            let single = matches!(kind, FeedbackKind::Single { .. });
            let (chosen, other): (&[String], Option<&String>) = match answer {
                A::Text(choice) if single => (std::slice::from_ref(choice), None),
                A::Many(list) if !single => (list, None),
                A::Choice { choices, other } if !single || choices.is_empty() => {
                    (choices, Some(other).filter(|o| !o.trim().is_empty()))
                }
                _ => return None,
            };
            let start = picks.len();
            for choice in chosen {
                if let Some(i) = options.iter().position(|o| o == choice) {
                    picks.push((i, 0));
                }
            }
            let range = start..picks.len();
            (!range.is_empty() || other.is_some()).then(|| Count::Choice {
                picks: range,
                other: other.map(String::as_str),
            })
        }
        (FeedbackKind::Matrix { rows, .. }, A::Matrix(ratings)) => {
            let start = picks.len();
            for (row, n) in ratings {
                if SCALE.contains(n)
                    && let Some(i) = rows.iter().position(|r| r == row)
                {
                    picks.push((i, *n));
                }
            }
            let range = start..picks.len();
            (!range.is_empty()).then_some(Count::Matrix(range))
        }
        _ => None,
    }
}

/// Adds what one answer counts to its question's accumulator, keeping at
/// most `keep` texts.
fn add(acc: &mut Acc, count: &Count<'_>, picks: &[(usize, i64)], keep: usize) {
    match (acc, count) {
        (Acc::Figures(Figures::Scale(ratings)), Count::Rating(n)) => {
            ratings.add(*SCALE.start(), *n);
        }
        (Acc::Figures(Figures::Recommend(r)), Count::Rating(n)) => {
            r.ratings.add(*RECOMMEND.start(), *n);
        }
        (Acc::Figures(Figures::YesNo { yes, no }), Count::YesNo(value)) => {
            *if *value { yes } else { no } += 1;
        }
        (Acc::Figures(Figures::Text(texts)), Count::Text(text)) if texts.len() < keep => {
            texts.push((*text).to_owned());
        }
        (Acc::Numbers(numbers), Count::Number(n)) => numbers.push(*n),
        (
            Acc::Figures(Figures::Choice(choices)),
            Count::Choice {
                picks: chosen,
                other,
            },
        ) => {
            for &(i, _) in &picks[chosen.clone()] {
                choices.options[i].count += 1;
            }
            if let Some(other) = other {
                choices.other += 1;
                if choices.other_texts.len() < keep {
                    choices.other_texts.push((*other).to_owned());
                }
            }
        }
        (Acc::Figures(Figures::Matrix(rows)), Count::Matrix(rated)) => {
            for &(i, n) in &picks[rated.clone()] {
                rows[i].ratings.add(*SCALE.start(), n);
            }
        }
        // A text counted without being kept; otherwise a count is read
        // from the question its accumulator was made for, so the kinds
        // always agree.
        _ => {}
    }
}

fn finish(acc: Acc) -> Figures {
    match acc {
        Acc::Numbers(mut numbers) => {
            numbers.sort_unstable();
            let n = numbers.len();
            let sum: i128 = numbers.iter().map(|&v| i128::from(v)).sum();
            let median = (n > 0).then(|| {
                let (a, b) = if n % 2 == 1 {
                    (numbers[n / 2], numbers[n / 2])
                } else {
                    (numbers[n / 2 - 1], numbers[n / 2])
                };
                Centi(clamp((i128::from(a) + i128::from(b)) * 50))
            });
            Figures::Number(Numbers {
                mean: mean(sum, n),
                median,
                min: numbers.first().copied(),
                max: numbers.last().copied(),
            })
        }
        Acc::Figures(Figures::Scale(mut ratings)) => {
            ratings.finish(*SCALE.start());
            Figures::Scale(ratings)
        }
        Acc::Figures(Figures::Recommend(mut r)) => {
            r.ratings.finish(*RECOMMEND.start());
            let c = &r.ratings.counts;
            r.detractors = c[0..=6].iter().sum();
            r.passives = c[7..=8].iter().sum();
            r.promoters = c[9..=10].iter().sum();
            let total = r.ratings.total();
            r.score = (total > 0).then(|| {
                divide_rounded(
                    (r.promoters as i128 - r.detractors as i128) * 100,
                    total as i128,
                ) as i32
            });
            Figures::Recommend(r)
        }
        Acc::Figures(Figures::Matrix(mut rows)) => {
            for row in &mut rows {
                row.ratings.finish(*SCALE.start());
            }
            Figures::Matrix(rows)
        }
        Acc::Figures(figures) => figures,
    }
}

/// The results of one group of responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The group (« Association », « Grand Paris Sud »…); `None` for the
    /// responses `by` gives no group to.
    pub name: Option<String>,
    /// Its results.
    pub summary: Summary,
}

/// The results per group of responses, `by` naming each response's group
/// (see [`Response::by_territory`] and the like): groups in alphabetical
/// order, then the responses without a group, if any, their text answers
/// counted but not repeated (the whole results list them). Empty for an
/// anonymous questionnaire, whose responses must not be told apart.
pub fn breakdown<F>(questionnaire: &Questionnaire, responses: &[Response], by: F) -> Vec<Group>
where
    F: for<'r> Fn(&'r Response) -> Option<&'r str>,
{
    let mut groups = Breakdown::new(questionnaire);
    if questionnaire.anonymous {
        return Vec::new();
    }
    for response in responses {
        groups.add(by(response), &response.answers, response.submitted);
    }
    groups.finish()
}

/// The headline figure of a question, for comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Headline {
    /// The mean of a scale, in hundredths.
    Mean(Option<Centi>),
    /// The « recommanderiez-vous » score.
    Score(Option<i32>),
}

/// One question asked both hot and cold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// The id both questionnaires give it.
    pub id: String,
    /// Its label in the hot questionnaire.
    pub label: String,
    /// How many answered hot.
    pub hot_answered: usize,
    /// How many answered cold.
    pub cold_answered: usize,
    /// The hot figure.
    pub hot: Headline,
    /// The cold figure.
    pub cold: Headline,
}

fn headline(figures: &Figures) -> Option<Headline> {
    match figures {
        Figures::Scale(ratings) => Some(Headline::Mean(ratings.mean)),
        Figures::Recommend(r) => Some(Headline::Score(r.score)),
        _ => None,
    }
}

/// Hot versus cold: the scales and « recommanderiez-vous » questions both
/// summaries have under the same id and kind (the templates share
/// `satisfaction` and `recommandation`), in the hot questionnaire's order.
pub fn compare(hot: &Summary, cold: &Summary) -> Vec<Comparison> {
    hot.questions
        .iter()
        .filter_map(|h| {
            let c = cold.question(&h.id)?;
            let (hot_figure, cold_figure) = (headline(&h.figures)?, headline(&c.figures)?);
            (std::mem::discriminant(&hot_figure) == std::mem::discriminant(&cold_figure)).then(
                || Comparison {
                    id: h.id.clone(),
                    label: h.label.clone(),
                    hot_answered: h.answered,
                    cold_answered: c.answered,
                    hot: hot_figure,
                    cold: cold_figure,
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
