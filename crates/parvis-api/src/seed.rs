//! Demo content, taken from the real documents of resource centres.
//!
//! On first start with an empty database, Parvis stores the events of the
//! seed documents with their real dates, programmes, venues and contacts,
//! and the study report of the research-action as a publication. Because
//! those events are past, the webinar, the steering committee and the
//! qualification cycle are also stored as upcoming copies, dated from the
//! day of seeding on the weekday of their originals, so every journey works
//! on any date.

use anyhow::Result;
use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Europe::Paris;
use parvis_core::api::{
    Availability, Contact, EventFormat, EventKind, EventPublic, ProgrammeItem, Publication,
    RegistrationState, RegistrationWindow, ReportLink, Session, Speaker, Track, Venue,
    default_reminders,
};
use parvis_core::questions::{Question, QuestionKind};

use crate::store::accounts::Role;
use crate::store::{EventPrivate, NewEvent, Store};

/// Slug of the upcoming copy of the webinar, used by the README and tests.
pub const UPCOMING_WEBINAR: &str = "webinaire-ceq-2030-ctg-restitution";
/// Slug of the original webinar of 13 May 2025.
pub const WEBINAR_2025: &str = "webinaire-ceq-2030-ctg-2025-05-13";

/// Paris wall-clock time to an instant with its offset.
pub fn paris(date: NaiveDate, hour: u32, minute: u32) -> DateTime<FixedOffset> {
    let naive = date
        .and_hms_opt(hour, minute, 0)
        .expect("valid time of day");
    Paris
        .from_local_datetime(&naive)
        .earliest()
        .expect("a time that exists in Paris")
        .fixed_offset()
}

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
}

fn session(date: NaiveDate, from: (u32, u32), to: (u32, u32)) -> Session {
    Session {
        title: None,
        starts_at: paris(date, from.0, from.1),
        ends_at: paris(date, to.0, to.1),
        all_day: false,
        programme: Vec::new(),
        capacity: None,
    }
}

fn item(start: &str, end: &str, title: &str, details: &[&str]) -> ProgrammeItem {
    ProgrammeItem {
        start: Some(start.to_owned()),
        end: Some(end.to_owned()),
        title: title.to_owned(),
        details: strings(details),
        tracks: Vec::new(),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The 2025 webinar of the Pôle ressources (seed 004), on a given date.
pub fn webinar(slug: &str, date: NaiveDate, opens_at: Option<DateTime<FixedOffset>>) -> NewEvent {
    let starts = session(date, (16, 30), (18, 0));
    let closes_at = starts.starts_at;
    NewEvent {
        public: EventPublic {
            slug: slug.to_owned(),
            kind: EventKind::Webinaire,
            title: "Articuler contrats engagements quartiers 2030 et conventions territoriales globales : restitution d'étude".to_owned(),
            summary: "Restitution et mise en discussion de l'étude menée en 2024-2025 par des étudiant·es de Sciences Po Saint-Germain-en-Laye sur l'articulation des CEQ 2030 de l'ouest francilien avec les CTG des CAF.".to_owned(),
            description: strings(&[
                "Pour la 6ème année consécutive, le Pôle ressources a missionné des étudiant·es du Master 2 Métiers du politique et de l'action publique territoriale de Sciences Po Saint-Germain-en-Laye pour mener une étude visant à nourrir la réflexion des acteur·rices locaux œuvrant dans le cadre de la politique de la ville.",
                "11 contrats engagements quartiers 2030 (CEQ 2030) de l'ouest francilien ont été signés au cours de l'année 2024 avec toujours l'ambition de mobiliser les ressources de droit commun au bénéfice des habitant·es des quartiers prioritaires (QPV). Aussi l'étude menée en 2024-2025 s'est attachée à interroger l'articulation de ces contrats, pilotés au niveau intercommunal, avec les conventions territoriales globales (CTG) que les CAF portent avec les collectivités locales, à savoir les communes pour les territoires concernés.",
                "La bonne articulation des politiques publiques est bien souvent au cœur des réflexions, tant au niveau technique que politique : quelles mutualisations possibles ? Comment fédérer les réseaux d'acteur·rices ? Comment dépasser des approches fonctionnant bien souvent en silo ? Les défis sont nombreux car, malgré des points communs en termes de méthodologie d'élaboration et de sujets abordés, les échelles, temporalités ou espaces de pilotage peuvent différer.",
                "À travers une analyse documentaire fournie (littérature grise et scientifique, articles de presse, contrats et conventionnements) ainsi que 23 entretiens menés avec une pluralité d'acteur·rices, les étudiant·es investi·es dans ce travail, avec l'accompagnement du sociologue Thomas Kirszbaum, proposent des clés de lecture autour des enjeux d'articulation, une analyse des dynamiques déjà à l'œuvre et des propositions pour mieux se saisir de cette question.",
                "Le Pôle ressources propose une restitution et une mise en discussion des enseignements et questionnements soulevés par ces travaux. Après inscription, une confirmation accompagnée du lien de connexion et du rapport d'étude est transmise aux participant·es.",
            ]),
            format: EventFormat::EnLigne,
            venue: None,
            audience: Some("Acteur·rices locaux de la politique de la ville : chef·fes de projet, élu·es, agent·es des CAF et des collectivités, associations.".to_owned()),
            objectives: strings(&[
                "Partager les enseignements de l'étude sur l'articulation des CEQ 2030 et des CTG.",
                "Mettre en discussion les préconisations : intérêts, points de vigilance.",
            ]),
            organiser: "Pôle ressources Ville et développement social".to_owned(),
            speakers: vec![
                Speaker { name: "Étudiant·es du Master 2 Métiers du politique et de l'action publique territoriale".to_owned(), role: Some("Sciences Po Saint-Germain-en-Laye".to_owned()) },
                Speaker { name: "Thomas Kirszbaum".to_owned(), role: Some("Sociologue, accompagnement de l'étude".to_owned()) },
            ],
            contact: Contact {
                name: "Guillaume Dejardin".to_owned(),
                email: Some("guillaume.dejardin@lepoleressources.fr".to_owned()),
                phone: None,
            },
            sessions: vec![starts],
            members_only: false,
            access_note: None,
            registration: RegistrationWindow { opens_at, closes_at },
            registration_state: RegistrationState::Open,
            report: Some(ReportLink {
                title: "Articulation des CEQ 2030 et des CTG dans l'ouest francilien (étude 2024-2025)".to_owned(),
                url: "/rapports/etude-ceq-2030-ctg-2025.pdf".to_owned(),
            }),
            capacity: None,
            waitlist: false,
            address_confirmation: false,
            day_selection: false,
            questions: Vec::new(),
            reminders_minutes: default_reminders(),
            availability: Availability::default(),
        },
        connection_url: Some(format!("https://visio.example.org/parvis/{slug}")),
        private: EventPrivate::default(),
    }
}

fn steering_committee(date: NaiveDate) -> NewEvent {
    let mut sitting = session(date, (10, 0), (16, 0));
    sitting.programme = vec![
        ProgrammeItem {
            tracks: vec![
                Track {
                    id: "observation-partagee".to_owned(),
                    capacity: None,
                    title: "Sujet n°1 : L'observation partagée (CoPil n°3 et 4)".to_owned(),
                    details: strings(&[
                        "Dans quelles conditions l'observation partagée peut-elle contribuer à forger une culture commune et à l'émergence d'une stratégie concertée pour le territoire ?",
                        "Comment construire des diagnostics pertinents sans démultiplier les indicateurs et produire des documents trop lourds pour être véritablement créateurs de sens ?",
                        "Quels sont les principaux besoins en ingénierie des acteurs en matière d'observation ?",
                        "Comment partager les résultats de l'observation ? Quel lien entre observation et évaluation des politiques publiques ?",
                    ]),
                },
                Track {
                    id: "place-des-habitants".to_owned(),
                    capacity: None,
                    title: "Sujet n°2 : La place des habitants (CoPil n°3 et 4)".to_owned(),
                    details: strings(&[
                        "Les instances de participation sont-elles véritablement garantes de réponses plus pertinentes des pouvoirs publics ?",
                        "Existe-t-il d'autres manières d'impliquer les habitants ? Comment favoriser l'émergence et soutenir les initiatives de la société civile ?",
                        "Quels sont aujourd'hui les principaux besoins en ingénierie des acteurs de première ligne en matière de participation citoyenne ?",
                        "La dimension « marketing public » peut-elle constituer un véritable levier de participation dans le champ des solidarités ?",
                    ]),
                },
            ],
            ..item(
                "10:00",
                "12:45",
                "Travail en sous-groupes thématiques (au choix)",
                &[
                    "À partir des principaux éléments ayant émergé lors des déplacements et des expériences locales de chacun des onze sites.",
                ],
            )
        },
        item(
            "14:00",
            "16:00",
            "Échanges en séance plénière",
            &[
                "Introduction par l'ODAS et le CGET.",
                "Retour synthétique sur le déroulement des quatre dernières visites.",
                "Présentation actualisée et mise en débat des premiers éléments d'analyse à l'issue de l'étape 2, selon quatre axes : territorialisation des politiques de cohésion sociale ; participation des personnes les plus éloignées des instances de concertation ; amélioration de la gouvernance locale de la cohésion sociale ; besoins en matière d'ingénierie.",
            ],
        ),
    ];
    let closes_at = sitting.starts_at;
    NewEvent {
        public: EventPublic {
            slug: "comite-pilotage-villes-vivre-ensemble-2016-07-01".to_owned(),
            kind: EventKind::Comite,
            title: "Action-recherche « Villes et vivre ensemble – La gouvernance locale de la cohésion sociale » : comité de pilotage".to_owned(),
            summary: "Retour sur les visites de l'étape 2 et lancement des deux premiers sous-groupes de travail : l'observation partagée et la participation des habitants.".to_owned(),
            description: strings(&[
                "Au moment du comité de pilotage du 1er juillet 2016, dix villes et communautés d'agglomération ont déjà été visitées dans le cadre de l'étape 2, par des équipes composées de membres de l'ODAS, du CGET et d'autres villes et intercommunalités qui participent à l'action-recherche. Un onzième site a rejoint la démarche : la Ville de Creil, dans l'Oise.",
                "Cette réunion est l'occasion de revenir sur le déroulement de ces visites et d'échanger collectivement autour des axes transversaux de l'action-recherche. Elle marque également le lancement des deux premiers sous-groupes de travail, qui traitent deux thématiques en parallèle : l'observation partagée et la participation des habitants.",
                "Les comités de pilotage n°5 et 6 seront l'occasion d'engager une réflexion sur deux autres thématiques : le territoire comme vecteur de transversalité et le passage de la coordination à la coopération entre acteurs.",
            ]),
            format: EventFormat::Presentiel,
            venue: None,
            audience: Some("Membres du comité de pilotage de l'action-recherche.".to_owned()),
            objectives: strings(&[
                "Revenir sur le déroulement des visites de sites de l'étape 2.",
                "Lancer les sous-groupes de travail sur l'observation partagée et la place des habitants.",
            ]),
            organiser: "ODAS, avec le soutien du CGET".to_owned(),
            speakers: Vec::new(),
            contact: Contact { name: "Maud Gallay".to_owned(), email: None, phone: None },
            sessions: vec![sitting],
            members_only: true,
            access_note: Some("Cette réunion est réservée aux membres du comité de pilotage.".to_owned()),
            registration: RegistrationWindow { opens_at: None, closes_at },
            registration_state: RegistrationState::Closed,
            report: None,
            capacity: None,
            waitlist: false,
            address_confirmation: false,
            day_selection: false,
            questions: Vec::new(),
            reminders_minutes: default_reminders(),
            availability: Availability::default(),
        },
        connection_url: None,
        private: EventPrivate::default(),
    }
}

fn qualification_cycle(dates: [NaiveDate; 4]) -> NewEvent {
    let days: [(NaiveDate, &str, &[&str]); 4] = [
        (
            dates[0],
            "Journée 1 : Comment construire une démarche intégrée entre les équipes ?",
            &[
                "Identifier les conditions de mise en place d'une équipe projet intégrée.",
                "Travailler sur les conditions d'une véritable plus-value du portage intercommunal de la politique de la ville.",
                "Apprécier l'adaptation des modalités de pilotage stratégique et technique au projet inscrit dans le contrat de ville.",
            ],
        ),
        (
            dates[1],
            "Journée 2 : La structuration des relations avec les acteurs du droit commun",
            &[
                "Aider à structurer un travail partenarial dans la durée avec les services des collectivités et les représentants de l'État, des agences et des institutions.",
                "Appréhender le déploiement du « droit commun » et son rôle sur les territoires de la politique de la ville.",
            ],
        ),
        (
            dates[2],
            "Journée 3 : L'organisation de la participation et de la co-construction avec les habitants",
            &[
                "Mener une réflexion sur les conditions concrètes d'un dialogue constructif avec les habitants.",
                "Consolider ou structurer l'organisation de la relation et du travail avec les habitants.",
                "Faire des conseils citoyens de réels espaces d'initiatives citoyennes et de co-construction.",
            ],
        ),
        (
            dates[3],
            "Journée 4 : Comment utiliser l'observation comme outil d'animation et de coordination ?",
            &[
                "Faire de l'observation et du suivi du contrat des outils de compréhension et d'animation des enjeux des quartiers et de l'action menée.",
                "Améliorer la communication sur les QPV et sur la politique de la ville menée à l'échelle locale.",
            ],
        ),
    ];
    let sessions: Vec<Session> = days
        .iter()
        .map(|(date, title, objectives)| Session {
            title: Some((*title).to_owned()),
            programme: vec![item(
                "10:00",
                "17:00",
                "Objectifs de la journée",
                objectives,
            )],
            ..session(*date, (10, 0), (17, 0))
        })
        .collect();
    let closes_at = sessions[0].starts_at;
    NewEvent {
        public: EventPublic {
            slug: "cycle-qualification-contrat-de-ville-2016".to_owned(),
            kind: EventKind::Cycle,
            title: "Comment faire vivre un contrat de ville : des principes à la mise en œuvre".to_owned(),
            summary: "Cycle de qualification en quatre journées (mars à juin 2016) pour les chefs de projet et coordinateurs des contrats de ville de l'Essonne.".to_owned(),
            description: strings(&[
                "La mise en œuvre des nouveaux contrats de ville recèle des enjeux importants pour les équipes projet : portage intercommunal renforcé dans un contexte de recomposition des EPCI franciliens ; recherche d'une intégration plus forte des ingénieries des volets social, urbain et économique ; mobilisation du droit commun ; renforcement de la participation citoyenne.",
                "Des modes de travail renouvelés sont à créer au sein des équipes projet, avec les services des collectivités et les référents « de droit commun » au sens large. L'objectif est de rendre lisible et de donner sens à une action publique qui peut apparaître foisonnante et complexe pour les acteurs impliqués dans les contrats de ville.",
                "Modalités : apports théoriques et de contexte ; ateliers s'appuyant sur la description et l'analyse de l'existant, la définition de marges de progrès et les stratégies d'action à déployer ; temps d'échanges de pratiques, retours d'expérience et débats.",
                "Ce cycle, soutenu par la Direction départementale de la cohésion sociale de l'Essonne, se poursuivra au deuxième semestre 2016. Inscription obligatoire.",
            ]),
            format: EventFormat::Presentiel,
            venue: Some(Venue {
                name: "CRPVE, salle de conférence, Maison départementale de l'habitat".to_owned(),
                address: strings(&["Boulevard de l'Écoute-S'il-Pleut", "91000 Évry"]),
                city: "Évry".to_owned(),
            }),
            audience: Some("Chefs de projet et coordinateurs·trices concerné·es par l'animation des contrats de ville.".to_owned()),
            objectives: strings(&[
                "Renforcer les capacités d'animation des chefs de projet pour éviter la seule gestion de dispositifs.",
                "Inciter à une animation des contrats de ville de manière plus intégrée.",
                "Apporter une aide méthodologique en matière de renouvellement des modes de pilotage et de conduite opérationnelle des contrats de ville.",
            ]),
            organiser: "Centre de ressources politique de la ville en Essonne (CRPVE)".to_owned(),
            speakers: vec![Speaker {
                name: "Anne Sauvayre".to_owned(),
                role: Some("Responsable d'études, FORS-Recherche sociale".to_owned()),
            }],
            contact: Contact {
                name: "Laura Kossi".to_owned(),
                email: Some("chmission1@crpve91.fr".to_owned()),
                phone: Some("01 64 97 27 75".to_owned()),
            },
            sessions,
            members_only: false,
            access_note: None,
            registration: RegistrationWindow { opens_at: None, closes_at },
            registration_state: RegistrationState::Closed,
            report: None,
            capacity: None,
            waitlist: false,
            address_confirmation: false,
            day_selection: false,
            questions: Vec::new(),
            reminders_minutes: default_reminders(),
            availability: Availability::default(),
        },
        connection_url: None,
        private: EventPrivate::default(),
    }
}

fn paca_regional_day() -> NewEvent {
    let date = day(2011, 6, 15);
    let whole_day = Session {
        title: None,
        starts_at: paris(date, 0, 0),
        ends_at: paris(date.succ_opt().expect("a next day"), 0, 0),
        all_day: true,
        programme: Vec::new(),
        capacity: None,
    };
    let closes_at = whole_day.starts_at;
    NewEvent {
        public: EventPublic {
            slug: "journee-regionale-cohesion-sociale-paca-2011-06-15".to_owned(),
            kind: EventKind::Journee,
            title: "L'innovation comme outil des politiques de cohésion sociale : journée régionale".to_owned(),
            summary: "Journée régionale ouvrant le cycle de sept séminaires des ateliers territoriaux de la cohésion sociale en Provence-Alpes-Côte d'Azur.".to_owned(),
            description: strings(&[
                "La Direction régionale de la jeunesse, des sports et de la cohésion sociale et les directions départementales de la cohésion sociale, en partenariat avec l'association Voisins & Citoyens en Méditerranée, organisent un cycle de sept séminaires destinés aux professionnels, au plus près de leurs territoires d'intervention, pour débattre des objectifs et des moyens des politiques locales de cohésion sociale de demain.",
                "Parce que les problématiques sociales auxquelles sont confrontés les habitants de la région nécessitent de dépasser les approches traditionnelles de l'intervention sociale ou de la gestion de dispositifs, et de penser les problèmes de manière plus globale : c'est ce que propose le concept de « cohésion sociale », entendu comme « savoir vivre ensemble ».",
                "Parce que s'il faut penser « global », il faut « agir local », dans les territoires vécus, où les acteurs sociaux dans leur ensemble (État, collectivités, entreprises, associations, habitants) sont en mesure de se mobiliser et de produire de l'intelligence collective.",
                "Parce qu'il existe peu d'espaces de réflexion et de mise en débat permettant aux parties prenantes des politiques territoriales d'échanger sur leurs pratiques, de connaître les projets innovants du territoire voisin, les études ou évaluations menées.",
                "Le cycle commence par cette journée régionale, suivie d'un séminaire par département au second semestre 2011. Les actes de la journée sont disponibles.",
            ]),
            format: EventFormat::Presentiel,
            venue: None,
            audience: Some("Professionnels des politiques territoriales : services de l'État, collectivités, associations.".to_owned()),
            objectives: strings(&[
                "Débattre des objectifs et des moyens des politiques locales de cohésion sociale de demain.",
                "Partager projets innovants, méthodes d'observation et d'évaluation entre territoires.",
            ]),
            organiser: "DRJSCS Provence-Alpes-Côte d'Azur, avec Voisins & Citoyens en Méditerranée".to_owned(),
            speakers: Vec::new(),
            contact: Contact { name: "DRJSCS PACA, pôle OCEI".to_owned(), email: None, phone: None },
            sessions: vec![whole_day],
            members_only: false,
            access_note: None,
            registration: RegistrationWindow { opens_at: None, closes_at },
            registration_state: RegistrationState::Closed,
            report: None,
            capacity: None,
            waitlist: false,
            address_confirmation: false,
            day_selection: false,
            questions: Vec::new(),
            reminders_minutes: default_reminders(),
            availability: Availability::default(),
        },
        connection_url: None,
        private: EventPrivate::default(),
    }
}

fn research_report() -> Publication {
    Publication {
        slug: "villes-et-vivre-ensemble-gouvernance-locale-cohesion-sociale".to_owned(),
        title: "Villes et vivre ensemble, la gouvernance locale de la cohésion sociale".to_owned(),
        summary: strings(&[
            "Où en est-on des dynamiques impulsées aux niveaux communal et intercommunal en matière de cohésion sociale ? Comment accompagner au mieux les territoires face aux enjeux de l'observation partagée, de la participation citoyenne et de la coopération entre acteurs ? Tels étaient les objectifs de cette recherche-action, menée d'octobre 2015 à octobre 2017.",
            "Associant à l'Odas neuf villes et deux communautés d'agglomération volontaires, avec le soutien actif du Commissariat général à l'égalité des territoires (CGET), l'étude a permis d'identifier les conditions favorables à la mise en œuvre de politiques locales de cohésion sociale plus transversales, efficaces et préventives.",
            "Trois axes ont été explorés par les acteurs locaux : l'observation partagée (Bordeaux, Strasbourg) ; les relations entre habitants et institutions (Angers, Creil, Le Havre) ; la coopération entre services et partenaires (Arras, Clichy-sous-Bois, Moulins Communauté, Valenciennes Métropole, Garges-lès-Gonesse, Villeurbanne).",
        ]),
        authors: "Odas, avec le soutien du CGET".to_owned(),
        period: "Octobre 2015 – octobre 2017".to_owned(),
        report: None,
    }
}

/// Slug of the upcoming copy of the qualification cycle (days choosable).
pub const UPCOMING_CYCLE: &str = "cycle-qualification-contrat-de-ville-prochaine-session";
/// Slug of the upcoming copy of the steering committee (members only).
pub const UPCOMING_COMMITTEE: &str = "comite-pilotage-villes-vivre-ensemble-prochain";
/// The demo invitation code of the upcoming steering committee.
pub const DEMO_INVITATION_CODE: &str = "VIVRE-ENSEMBLE";
/// A demo roster address of the upcoming steering committee.
pub const DEMO_ROSTER_EMAIL: &str = "maud.gallay@odas.example.org";

fn opened(mut event: NewEvent, now: DateTime<Utc>) -> NewEvent {
    let opens = now.with_timezone(&Paris).fixed_offset() - chrono::Duration::days(1);
    event.public.registration.opens_at = Some(opens);
    event.public.registration_state = RegistrationState::Open;
    event
}

/// The first `weekday` at least `days` after `today`: upcoming copies keep
/// the weekday of their original (a Tuesday webinar, a Friday committee, a
/// Thursday cycle) and never fall on a weekend.
pub fn ahead(today: NaiveDate, days: u64, weekday: Weekday) -> NaiveDate {
    let mut date = today.checked_add_days(Days::new(days)).unwrap_or(today);
    while date.weekday() != weekday {
        date = date.succ_opt().unwrap_or(date);
    }
    date
}

fn upcoming_cycle(today: NaiveDate, now: DateTime<Utc>) -> NewEvent {
    let at = |weeks: u64| ahead(today, weeks * 7, Weekday::Thu);
    let mut cycle = qualification_cycle([at(5), at(7), at(9), at(11)]);
    cycle.public.slug = UPCOMING_CYCLE.to_owned();
    cycle.public.summary = "Cycle de qualification en quatre journées pour les chefs de projet et coordinateurs des contrats de ville : inscription à tout le cycle ou aux journées de votre choix (20 places par journée).".to_owned();
    cycle.public.day_selection = true;
    cycle.public.waitlist = true;
    for session in &mut cycle.public.sessions {
        session.capacity = Some(20);
    }
    cycle.public.questions = vec![
        Question {
            id: "portage-epci".to_owned(),
            label: "Votre contrat de ville est-il porté par un EPCI ?".to_owned(),
            help: None,
            required: true,
            kind: QuestionKind::YesNo,
        },
        Question {
            id: "experience".to_owned(),
            label: "Depuis combien d'années travaillez-vous en politique de la ville ?".to_owned(),
            help: Some("Un nombre entier, 0 si vous débutez.".to_owned()),
            required: false,
            kind: QuestionKind::Number {
                min: Some(0),
                max: Some(50),
            },
        },
        Question {
            id: "attentes".to_owned(),
            label: "Vos attentes pour ce cycle".to_owned(),
            help: None,
            required: false,
            kind: QuestionKind::LongText,
        },
    ];
    cycle.public.registration.closes_at = cycle.public.sessions[0].starts_at;
    opened(cycle, now)
}

fn upcoming_committee(today: NaiveDate, now: DateTime<Utc>) -> NewEvent {
    let mut committee = steering_committee(ahead(today, 21, Weekday::Fri));
    committee.public.slug = UPCOMING_COMMITTEE.to_owned();
    committee.public.waitlist = true;
    for session in &mut committee.public.sessions {
        for item in &mut session.programme {
            for track in &mut item.tracks {
                track.capacity = Some(8);
            }
        }
    }
    committee.public.questions = vec![Question {
        id: "dejeuner".to_owned(),
        label: "Déjeunerez-vous sur place ?".to_owned(),
        help: None,
        required: true,
        kind: QuestionKind::YesNo,
    }];
    committee.private = EventPrivate {
        roster: vec![DEMO_ROSTER_EMAIL.to_owned()],
        invitation_code_hashes: vec![crate::token::invitation_code_hash(DEMO_INVITATION_CODE)],
    };
    opened(committee, now)
}

/// Every demo event; the upcoming copies are dated relative to `today`.
pub fn demo_events(today: NaiveDate, now: DateTime<Utc>) -> Vec<NewEvent> {
    let upcoming = ahead(today, 28, Weekday::Tue);
    let mut original = webinar(WEBINAR_2025, day(2025, 5, 13), None);
    original.public.registration.opens_at = Some(paris(day(2025, 4, 1), 9, 0));
    vec![
        opened(webinar(UPCOMING_WEBINAR, upcoming, None), now),
        upcoming_committee(today, now),
        upcoming_cycle(today, now),
        original,
        steering_committee(day(2016, 7, 1)),
        qualification_cycle([
            day(2016, 3, 10),
            day(2016, 4, 7),
            day(2016, 5, 26),
            day(2016, 6, 23),
        ]),
        paca_regional_day(),
    ]
}

/// Seeds the demo content when the database has no event yet.
/// Returns whether it did. Safe when replicas start together: inserts are
/// keyed by slug and do nothing when the row exists.
pub async fn seed_if_empty(store: &dyn Store) -> Result<bool> {
    if !store.is_empty().await? {
        return Ok(false);
    }
    let now = Utc::now();
    let today = now.with_timezone(&Paris).date_naive();
    let events = demo_events(today, now);
    for event in &events {
        store.insert_event(event).await?;
    }
    store.insert_publication(&research_report()).await?;
    // A demo organisation owns the demo events; its administrator signs in
    // with the link printed on the console (see the README).
    if let Some(organisation) = store
        .create_organisation(
            DEMO_ORGANISATION,
            "Centre de ressources (démonstration)",
            now,
        )
        .await?
    {
        let account = store
            .account_for(DEMO_ORGANISER, "Organisatrice de démonstration", now)
            .await?;
        store
            .set_member(organisation.id, account.id, Role::Administrateur, now)
            .await?;
        let slugs: Vec<&str> = events.iter().map(|e| e.public.slug.as_str()).collect();
        store.assign_events(organisation.id, &slugs).await?;
    }
    Ok(true)
}

/// The demo organisation's slug.
pub const DEMO_ORGANISATION: &str = "demo";

/// The address of the demo organisation's administrator.
pub const DEMO_ORGANISER: &str = "gestion@crpve.example.org";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_times_carry_summer_and_winter_offsets() {
        assert_eq!(
            paris(day(2025, 5, 13), 16, 30).to_rfc3339(),
            "2025-05-13T16:30:00+02:00"
        );
        assert_eq!(
            paris(day(2016, 3, 10), 10, 0).to_rfc3339(),
            "2016-03-10T10:00:00+01:00"
        );
    }

    #[test]
    fn the_upcoming_webinar_is_four_weeks_ahead_and_open() {
        let now = Utc::now();
        let today = now.with_timezone(&Paris).date_naive();
        let events = demo_events(today, now);
        let upcoming = &events[0].public;
        assert_eq!(upcoming.slug, UPCOMING_WEBINAR);
        assert_eq!(upcoming.registration.state_at(now), RegistrationState::Open);
        let date = upcoming.sessions[0].starts_at.date_naive();
        assert_eq!(date.weekday(), Weekday::Tue, "a Tuesday, as the original");
        assert!(date >= today + Days::new(28) && date < today + Days::new(35));
        assert!(
            events[0]
                .connection_url
                .as_deref()
                .unwrap()
                .starts_with("https://visio.example.org/")
        );
    }

    #[test]
    fn the_cycle_has_its_four_real_days() {
        let cycle = demo_events(day(2026, 11, 22), Utc::now())[5].public.clone();
        let dates: Vec<String> = cycle
            .sessions
            .iter()
            .map(|s| s.starts_at.date_naive().to_string())
            .collect();
        assert_eq!(
            dates,
            ["2016-03-10", "2016-04-07", "2016-05-26", "2016-06-23"]
        );
    }
}
