//! Ready questionnaires, for the organiser to adapt: hot (webinar, study
//! day, cycle), cold and stakeholders.
//!
//! They follow Qualiopi indicator 30: « à chaud », satisfaction, objectives
//! met, speakers, organisation; « à froid », one to three months later,
//! what participants have applied, what stood in the way, the effect on
//! their practice and their needs. Hot and cold share the ids
//! `satisfaction` and `recommandation`, so their results can be compared
//! ([`super::results::compare`]). Every template passes
//! [`super::check_questionnaire`].

use super::{
    COLD_DELAY_DEFAULT, Condition, ConditionValue, FeedbackKind, FeedbackQuestion, ITEMS_MAX,
    Questionnaire, QuestionnaireKind, REMINDER_DELAY_DEFAULT, SEND_DELAY_DEFAULT,
};

fn question(id: &str, label: &str, required: bool, kind: FeedbackKind) -> FeedbackQuestion {
    FeedbackQuestion {
        id: id.to_owned(),
        label: label.to_owned(),
        help: None,
        required,
        kind,
        condition: None,
    }
}

fn help(mut question: FeedbackQuestion, help: &str) -> FeedbackQuestion {
    question.help = Some(help.to_owned());
    question
}

fn only_if(mut question: FeedbackQuestion, id: &str, equals: ConditionValue) -> FeedbackQuestion {
    question.condition = Some(Condition {
        question: id.to_owned(),
        equals,
    });
    question
}

fn scale(min: &str, max: &str) -> FeedbackKind {
    FeedbackKind::Scale {
        min_label: min.to_owned(),
        max_label: max.to_owned(),
    }
}

fn options(items: &[&str]) -> Vec<String> {
    items.iter().map(|&s| s.to_owned()).collect()
}

fn questionnaire(
    kind: QuestionnaireKind,
    title: &str,
    intro: &str,
    questions: Vec<FeedbackQuestion>,
) -> Questionnaire {
    Questionnaire {
        kind,
        title: title.to_owned(),
        intro: intro.to_owned(),
        anonymous: false,
        opens: None,
        closes: None,
        cold_delay_days: COLD_DELAY_DEFAULT,
        automatic: true,
        send_delay_hours: SEND_DELAY_DEFAULT,
        reminder_delay_days: REMINDER_DELAY_DEFAULT,
        questions,
    }
}

const HOT_INTRO: &str = "Merci d'avoir participé. Vos réponses nous aident à améliorer nos \
     prochaines rencontres ; elles prennent environ trois minutes.";

fn satisfaction(what: &str) -> FeedbackQuestion {
    question(
        "satisfaction",
        &format!("Dans l'ensemble, êtes-vous satisfait ou satisfaite {what} ?"),
        true,
        scale("Pas du tout satisfait·e", "Très satisfait·e"),
    )
}

fn objectives() -> FeedbackQuestion {
    help(
        question(
            "objectifs",
            "Les objectifs annoncés ont-ils été atteints ?",
            true,
            scale("Pas du tout", "Tout à fait"),
        ),
        "Les objectifs figurent sur la page de l'événement.",
    )
}

fn speakers() -> FeedbackQuestion {
    question(
        "intervenants",
        "Comment jugez-vous la qualité des interventions ?",
        true,
        scale("Très insuffisante", "Excellente"),
    )
}

fn usefulness() -> FeedbackQuestion {
    question(
        "utilite",
        "Les contenus vous seront-ils utiles dans votre pratique professionnelle ?",
        true,
        scale("Pas du tout utiles", "Très utiles"),
    )
}

fn recommend(what: &str) -> FeedbackQuestion {
    help(
        question(
            "recommandation",
            &format!("Recommanderiez-vous {what} à un ou une collègue ?"),
            false,
            FeedbackKind::Recommend,
        ),
        "0 : certainement pas ; 10 : certainement.",
    )
}

fn closing_questions() -> Vec<FeedbackQuestion> {
    vec![
        question(
            "points-forts",
            "Qu'avez-vous le plus apprécié ?",
            false,
            FeedbackKind::LongText,
        ),
        question(
            "ameliorations",
            "Que faudrait-il améliorer ?",
            false,
            FeedbackKind::LongText,
        ),
        question(
            "approfondir",
            "Souhaiteriez-vous approfondir ce sujet avec le centre de ressources ?",
            false,
            FeedbackKind::YesNo,
        ),
        only_if(
            question(
                "approfondir-comment",
                "Sous quelle forme ?",
                false,
                FeedbackKind::Multiple {
                    options: options(&[
                        "Une formation",
                        "Un groupe d'échange entre pairs",
                        "Un appui sur mon territoire",
                        "Des ressources documentaires",
                    ]),
                    other: true,
                },
            ),
            "approfondir",
            ConditionValue::Bool(true),
        ),
    ]
}

/// A webinar, « à chaud ».
pub fn webinar() -> Questionnaire {
    let mut questions = vec![
        satisfaction("de ce webinaire"),
        objectives(),
        speakers(),
        usefulness(),
        question(
            "organisation",
            "Comment jugez-vous les conditions techniques (connexion, son, image, durée) ?",
            false,
            scale("Très insuffisantes", "Excellentes"),
        ),
        recommend("ce type de webinaire"),
    ];
    questions.extend(closing_questions());
    questionnaire(
        QuestionnaireKind::Hot,
        "Votre avis sur le webinaire",
        HOT_INTRO,
        questions,
    )
}

/// A study day, « à chaud ».
pub fn study_day() -> Questionnaire {
    let mut questions = vec![
        satisfaction("de cette journée"),
        objectives(),
        speakers(),
        usefulness(),
        question(
            "organisation",
            "Comment jugez-vous l'organisation (accueil, lieu, horaires, repas) ?",
            false,
            scale("Très insuffisante", "Excellente"),
        ),
        question(
            "temps-utiles",
            "Quels temps de la journée vous ont été les plus utiles ?",
            false,
            FeedbackKind::Multiple {
                options: options(&[
                    "Les interventions en plénière",
                    "Les ateliers",
                    "Les témoignages de terrain",
                    "Les échanges entre participants",
                ]),
                other: true,
            },
        ),
        recommend("cette journée"),
    ];
    questions.extend(closing_questions());
    questionnaire(
        QuestionnaireKind::Hot,
        "Votre avis sur la journée",
        HOT_INTRO,
        questions,
    )
}

/// A cycle, « à chaud »: one row per day to rate as the cycle goes (the
/// days given, blank and repeated labels left out, at most
/// [`ITEMS_MAX`]; no such question without days), then the cycle as a
/// whole.
pub fn cycle(days: &[String]) -> Questionnaire {
    let mut rows: Vec<String> = Vec::new();
    for day in days {
        let day = day.split_whitespace().collect::<Vec<_>>().join(" ");
        if !day.is_empty() && !rows.contains(&day) && rows.len() < ITEMS_MAX {
            rows.push(day);
        }
    }
    let mut questions = Vec::new();
    if !rows.is_empty() {
        questions.push(help(
            question(
                "journees",
                "Votre appréciation de chaque journée",
                false,
                FeedbackKind::Matrix {
                    rows,
                    min_label: "Pas du tout satisfait·e".to_owned(),
                    max_label: "Très satisfait·e".to_owned(),
                },
            ),
            "Notez les journées auxquelles vous avez participé, au fil du cycle : \
             vos réponses sont enregistrées et restent modifiables jusqu'à la clôture.",
        ));
    }
    questions.extend([
        satisfaction("de l'ensemble du cycle"),
        objectives(),
        speakers(),
        question(
            "progression",
            "Le cycle vous a-t-il permis de faire évoluer votre pratique ?",
            true,
            scale("Pas du tout", "Tout à fait"),
        ),
        question(
            "reseau",
            "Les échanges avec les autres participants vous ont-ils été utiles ?",
            false,
            scale("Pas du tout utiles", "Très utiles"),
        ),
        question(
            "organisation",
            "Comment jugez-vous l'organisation du cycle (rythme, lieux, horaires) ?",
            false,
            scale("Très insuffisante", "Excellente"),
        ),
        recommend("ce cycle"),
    ]);
    questions.extend(closing_questions());
    questionnaire(
        QuestionnaireKind::Hot,
        "Votre avis sur le cycle",
        "Merci de votre participation à ce cycle. Vous pouvez noter chaque journée \
         au fur et à mesure, puis donner votre avis d'ensemble à la fin.",
        questions,
    )
}

/// The cold follow-up, « à froid », sent [`COLD_DELAY_DEFAULT`] days after
/// the end of the event.
pub fn cold() -> Questionnaire {
    let questions = vec![
        question(
            "mise-en-pratique",
            "Depuis la rencontre, avez-vous mis en pratique ce que vous y avez appris ?",
            true,
            FeedbackKind::YesNo,
        ),
        only_if(
            help(
                question(
                    "applications",
                    "Qu'avez-vous mis en œuvre ?",
                    false,
                    FeedbackKind::LongText,
                ),
                "Un exemple suffit : une action, un outil, une façon de travailler, \
                 un partenariat…",
            ),
            "mise-en-pratique",
            ConditionValue::Bool(true),
        ),
        question(
            "freins",
            "Qu'est-ce qui a freiné ou empêché la mise en pratique ?",
            false,
            FeedbackKind::Multiple {
                options: options(&[
                    "Le manque de temps",
                    "Le manque de moyens",
                    "Le contexte de ma structure",
                    "Des contenus éloignés de mes missions",
                    "Le besoin d'approfondir",
                    "Rien de particulier",
                ]),
                other: true,
            },
        ),
        question(
            "impact",
            "Quel effet la rencontre a-t-elle eu sur votre pratique professionnelle ?",
            true,
            scale("Aucun effet", "Un effet important"),
        ),
        question(
            "satisfaction",
            "Avec le recul, êtes-vous satisfait ou satisfaite de la rencontre ?",
            true,
            scale("Pas du tout satisfait·e", "Très satisfait·e"),
        ),
        recommend("cette rencontre"),
        question(
            "besoins",
            "Auriez-vous besoin d'un accompagnement complémentaire ?",
            false,
            FeedbackKind::YesNo,
        ),
        only_if(
            question(
                "besoins-detail",
                "Lequel ?",
                false,
                FeedbackKind::Multiple {
                    options: options(&[
                        "Une formation complémentaire",
                        "Un appui méthodologique",
                        "Une mise en réseau avec d'autres acteurs",
                        "Des ressources documentaires",
                    ]),
                    other: true,
                },
            ),
            "besoins",
            ConditionValue::Bool(true),
        ),
        question(
            "commentaires",
            "Autre chose à nous dire ?",
            false,
            FeedbackKind::LongText,
        ),
    ];
    questionnaire(
        QuestionnaireKind::Cold,
        "Quelques semaines après : qu'en avez-vous retiré ?",
        "Il y a quelques semaines, vous avez participé à l'une de nos rencontres. \
         Nous aimerions savoir ce que vous en avez retiré dans votre pratique ; \
         le questionnaire prend environ trois minutes.",
        questions,
    )
}

/// The yearly appreciation of funders, speakers and partners, not tied to
/// an event.
pub fn stakeholder() -> Questionnaire {
    let questions = vec![
        question(
            "profil",
            "Vous répondez en tant que",
            true,
            FeedbackKind::Single {
                options: options(&[
                    "Financeur",
                    "Intervenant ou intervenante",
                    "Partenaire",
                    "Collectivité ou service de l'État",
                ]),
                other: true,
            },
        ),
        question(
            "appreciation",
            "Quelle est votre appréciation globale de notre collaboration cette année ?",
            true,
            scale("Très insatisfaisante", "Très satisfaisante"),
        ),
        question(
            "relation",
            "Comment jugez-vous la qualité des échanges avec l'équipe (disponibilité, réactivité) ?",
            false,
            scale("Très insuffisante", "Excellente"),
        ),
        question(
            "utilite",
            "Les actions du centre de ressources sont-elles utiles aux acteurs \
             de la politique de la ville de votre territoire ?",
            false,
            scale("Pas du tout utiles", "Très utiles"),
        ),
        question(
            "actions-marquantes",
            "Quelles actions vous ont paru les plus utiles cette année ?",
            false,
            FeedbackKind::LongText,
        ),
        help(
            question(
                "recommandation",
                "Recommanderiez-vous le centre de ressources à un partenaire ?",
                false,
                FeedbackKind::Recommend,
            ),
            "0 : certainement pas ; 10 : certainement.",
        ),
        question(
            "suggestions",
            "Vos suggestions pour l'année à venir",
            false,
            FeedbackKind::LongText,
        ),
        question(
            "sujets",
            "Quels sujets le centre de ressources devrait-il traiter ?",
            false,
            FeedbackKind::LongText,
        ),
    ];
    questionnaire(
        QuestionnaireKind::Stakeholder,
        "Votre regard sur notre partenariat",
        "Chaque année, nous sollicitons l'avis de nos financeurs, intervenants et \
         partenaires. Vos réponses nourrissent notre bilan et notre programme.",
        questions,
    )
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;

    #[test]
    fn every_template_passes_the_rules_unchanged() {
        let days = vec![
            "Jour 1 — mardi 12 mai".to_owned(),
            "Jour 2 — mardi 9 juin".to_owned(),
        ];
        for template in [
            webinar(),
            study_day(),
            cycle(&days),
            cycle(&[]),
            cold(),
            stakeholder(),
        ] {
            let prepared =
                prepare(&template).unwrap_or_else(|e| panic!("{}: {e:?}", template.title));
            assert_eq!(prepared, template, "{}", template.title);
            assert!(template.questions.len() <= QUESTIONS_MAX);
        }
    }

    #[test]
    fn kinds_and_delays_fit_qualiopi() {
        assert_eq!(webinar().kind, QuestionnaireKind::Hot);
        assert_eq!(study_day().kind, QuestionnaireKind::Hot);
        assert_eq!(cold().kind, QuestionnaireKind::Cold);
        assert_eq!(cold().cold_delay_days, 60);
        assert_eq!(stakeholder().kind, QuestionnaireKind::Stakeholder);
        // Hot and cold can be compared on these.
        for template in [webinar(), study_day(), cycle(&["J1".into()]), cold()] {
            assert!(
                template.question("satisfaction").is_some(),
                "{}",
                template.title
            );
            assert!(
                template.question("recommandation").is_some(),
                "{}",
                template.title
            );
        }
        let cold = cold();
        assert!(cold.question("mise-en-pratique").unwrap().required);
        assert!(cold.question("freins").is_some());
        assert!(cold.question("impact").is_some());
        assert!(cold.question("besoins").is_some());
    }

    #[test]
    fn a_cycle_rates_each_day_once() {
        let days: Vec<String> = ["Jour 1", " Jour  2 ", "", "Jour 1"]
            .iter()
            .map(|&d| d.to_owned())
            .collect();
        let cycle = cycle(&days);
        let FeedbackKind::Matrix { rows, .. } = &cycle.question("journees").unwrap().kind else {
            panic!("a matrix");
        };
        assert_eq!(rows, &["Jour 1", "Jour 2"]);
        assert!(!cycle.question("journees").unwrap().required);
        let many: Vec<String> = (1..=70).map(|d| format!("Jour {d}")).collect();
        let long = super::cycle(&many);
        check_questionnaire(&long).unwrap();
        let FeedbackKind::Matrix { rows, .. } = &long.questions[0].kind else {
            panic!("a matrix");
        };
        assert_eq!(rows.len(), ITEMS_MAX);
        assert!(super::cycle(&[]).question("journees").is_none());
    }

    #[test]
    fn a_webinar_asks_how_to_go_further_only_to_those_who_wish_to() {
        let webinar = webinar();
        let mut answers = std::collections::BTreeMap::new();
        let ids = |answers: &std::collections::BTreeMap<String, FeedbackAnswer>| {
            visible(&webinar, answers)
                .iter()
                .map(|q| q.id.clone())
                .collect::<Vec<_>>()
        };
        assert!(!ids(&answers).contains(&"approfondir-comment".to_owned()));
        answers.insert("approfondir".to_owned(), FeedbackAnswer::Bool(true));
        assert!(ids(&answers).contains(&"approfondir-comment".to_owned()));
    }
}
