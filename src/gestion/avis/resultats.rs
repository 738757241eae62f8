//! The results dashboard of a questionnaire (`…/avis/{avis}/resultats`):
//! the response rate, then per question its figures (parvis-core's
//! [`Summary`], computed by the endpoint) as an SVG chart drawn here (no
//! chart library) and the same numbers as a table; breakdowns by group and
//! who has not answered in named mode; hot versus cold; the exports. The
//! page prints as the « bilan » for funders (`@media print` in
//! `style/main.css`).
//!
//! Each chart is an `<svg role="img">` named by its `<title>` and
//! `<desc>` (`aria-labelledby`); the markup is written as text so that the
//! browser parses it in the SVG namespace.

use gloo_net::http::Method;
use leptos::prelude::*;
use parvis_core::api::ApiError;
use parvis_core::feedback::api::{QuestionnaireStatus, QuestionnaireView, ResultsView, SentReport};
use parvis_core::feedback::results::{
    Centi, Choices, Comparison, Figures, Group, Headline, QuestionSummary, Ratings, Recommendation,
    RowRatings, percent,
};
use parvis_core::feedback::{FeedbackKind, Questionnaire};

use super::{Target, count};
use crate::api::{call, read};
use crate::components::{ErrorNotice, Loading, StatusNotice};
use crate::gestion::evenement::signed_in;

/// `/gestion/organisations/{org}/evenements/{slug}/avis/{avis}/resultats`
/// and `/gestion/organisations/{org}/avis-partenaires/{id}/resultats` (see
/// [`Target`]; a stakeholder questionnaire has no comparison).
#[component]
pub fn ResultsPage() -> impl IntoView {
    let target = Target::from_params();
    let heading = format!("Résultats du questionnaire {}", target.get().words());
    crate::set_title(&heading);
    signed_in(move |me| {
        let csrf = StoredValue::new(me.csrf_token.clone());
        let version = RwSignal::new(0u32);
        let loaded = LocalResource::new(move || {
            version.track();
            let t = target.get();
            async move {
                let view: QuestionnaireView =
                    read(&call(Method::GET, &t.api(""), None, None).await?)?;
                let results: ResultsView =
                    read(&call(Method::GET, &t.api("/resultats"), None, None).await?)?;
                Ok::<_, ApiError>((view, results))
            }
        });
        let status = RwSignal::new(None::<String>);
        let status_ref = NodeRef::<leptos::html::Div>::new();
        let remind = Action::new_local(move |_: &()| {
            let url = target.get_untracked().api("/relancer");
            let proof = csrf.get_value();
            async move {
                read::<SentReport>(
                    &call(Method::POST, &url, Some("{}".to_owned()), Some(&proof)).await?,
                )
            }
        });
        Effect::new(move |_| {
            if let Some(result) = remind.value().get() {
                status.set(Some(match result {
                    Ok(report) => report.message,
                    Err(error) => error.message,
                }));
                version.update(|v| *v += 1);
                crate::focus_when_shown(status_ref);
            }
        });
        let exports = StoredValue::new(target.get_untracked().api(""));
        let heading = heading.clone();
        view! {
            {target.get().nav()}
            <p class="results-tools"><a href=target.get().list_page()>{target.get().back()}</a></p>
            <h1>{heading}</h1>
            <StatusNotice text=status node=status_ref/>
            <Transition fallback=|| view! { <Loading text="Chargement des résultats…"/> }>
                {move || loaded.get().map(|result| match result {
                    Ok((view, results)) => view! {
                        <Dashboard view results exports=exports.get_value()
                            on_remind=move || { remind.dispatch(()); } reminding=remind.pending()/>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
        }
    })
}

#[component]
fn Dashboard(
    view: QuestionnaireView,
    results: ResultsView,
    exports: String,
    on_remind: impl Fn() + Copy + Send + Sync + 'static,
    reminding: Memo<bool>,
) -> impl IntoView {
    let q = view.questionnaire;
    let rate = results
        .response_rate
        .map(|r| format!("{r} %"))
        .unwrap_or_else(|| "—".to_owned());
    let questions = results
        .summary
        .questions
        .iter()
        .enumerate()
        .map(
            |(i, s)| view! { <QuestionResults n=i + 1 summary=s.clone() questionnaire=q.clone()/> },
        )
        .collect_view();
    let open = results.status == QuestionnaireStatus::Open;
    let any_to_remind = results.not_answered.iter().any(|p| !p.reminded);
    let not_answered = results.not_answered.clone();
    let comparison = results.comparison.clone().filter(|c| !c.is_empty());
    let breakdowns = results.breakdowns.clone();
    view! {
        <p class="lead">{q.title.clone()}</p>
        <section aria-labelledby="participation">
            <h2 id="participation">"Participation"</h2>
            <dl class="facts">
                <dt>"Statut"</dt><dd>{results.status.label()}</dd>
                <dt>"Personnes sollicitées"</dt><dd>{results.invited}</dd>
                <dt>"Réponses envoyées"</dt><dd>{results.submitted}</dd>
                <dt>"Réponses en cours"</dt><dd>{results.in_progress}</dd>
                <dt>"Taux de réponse"</dt><dd>{rate}</dd>
                {(results.public_answers > 0).then(|| view! {
                    <dt>"Par le lien public"</dt><dd>{results.public_answers}</dd>
                })}
                <dt>"Anonymat"</dt><dd>{if results.anonymous { "Questionnaire anonyme" } else { "Questionnaire nominatif" }}</dd>
            </dl>
            <p class="hint">"Les chiffres ne comptent que les réponses envoyées ; le taux de réponse compte les personnes sollicitées qui ont répondu."</p>
            <div class="actions results-tools">
                <button type="button" class="secondary" on:click=|_| {
                    if let Some(window) = web_sys::window() {
                        let _ = window.print();
                    }
                }>"Imprimer le bilan"</button>
            </div>
        </section>
        <Exports base=exports/>
        {questions}
        {comparison.map(|rows| view! { <ComparisonTable rows/> })}
        {breakdowns.map(|b| {
            let headlines: Vec<(String, String)> = q
                .questions
                .iter()
                .filter(|x| matches!(x.kind, FeedbackKind::Scale { .. } | FeedbackKind::Recommend))
                .map(|x| (x.id.clone(), x.label.clone()))
                .collect();
            view! {
                <section aria-labelledby="repartitions">
                    <h2 id="repartitions">"Répartitions"</h2>
                    <BreakdownTable id="par-structure" caption="Par type de structure" groups=b.structure_type headlines=headlines.clone() structure=true/>
                    <BreakdownTable id="par-territoire" caption="Par territoire" groups=b.territory headlines=headlines.clone() structure=false/>
                    <BreakdownTable id="par-atelier" caption="Par atelier" groups=b.workshop headlines structure=false/>
                </section>
            }
        })}
        {if results.anonymous {
            view! {
                <section aria-labelledby="sans-reponse">
                    <h2 id="sans-reponse">"Personnes qui n'ont pas répondu"</h2>
                    <p>"Questionnaire anonyme : ni répartition par groupe ni liste des personnes sans réponse."</p>
                    {open.then(|| view! {
                        <div class="actions results-tools">
                            <button type="button" disabled=move || reminding.get() on:click=move |_| on_remind()>"Relancer les personnes qui n'ont pas répondu"</button>
                        </div>
                    })}
                </section>
            }.into_any()
        } else {
            let total = not_answered.len();
            view! {
                <section aria-labelledby="sans-reponse">
                    <h2 id="sans-reponse">{format!("Personnes qui n'ont pas répondu ({total})")}</h2>
                    {if not_answered.is_empty() {
                        view! { <p>"Tout le monde a répondu, ou personne n'a encore été sollicité."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="not-answered">
                                {not_answered.into_iter().map(|p| view! {
                                    <li>
                                        {format!("{} {} ({})", p.first_name, p.last_name, p.email)}
                                        {p.reminded.then_some(" — déjà relancé·e")}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    {(open && any_to_remind).then(|| view! {
                        <div class="actions results-tools">
                            <button type="button" disabled=move || reminding.get() on:click=move |_| on_remind()>"Relancer"</button>
                            <span class="hint">"Une seule relance par personne, avec un nouveau lien."</span>
                        </div>
                    })}
                </section>
            }.into_any()
        }}
    }
}

/// The exports of the responses and of the figures.
#[component]
fn Exports(base: String) -> impl IntoView {
    let links = [
        (
            "/export.csv?dialecte=excel",
            "Réponses : CSV pour Excel (séparateur point-virgule)",
        ),
        (
            "/export.csv?dialecte=standard",
            "Réponses : CSV standard (séparateur virgule)",
        ),
        ("/export.xlsx", "Réponses : classeur Excel (XLSX)"),
        ("/export.json", "Réponses : JSON"),
        (
            "/synthese.csv?dialecte=excel",
            "Synthèse des chiffres : CSV pour Excel (séparateur point-virgule)",
        ),
        (
            "/synthese.csv?dialecte=standard",
            "Synthèse des chiffres : CSV standard (séparateur virgule)",
        ),
        (
            "/synthese.xlsx",
            "Synthèse des chiffres : classeur Excel (XLSX)",
        ),
    ];
    view! {
        <section aria-labelledby="exports-avis" class="results-tools">
            <h2 id="exports-avis">"Exporter"</h2>
            <ul>
                {links.into_iter().map(|(path, label)| view! {
                    <li><a href=format!("{base}{path}") rel="external" download="">{label}</a></li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Escapes text for SVG markup.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// At most `max` characters, with « … » when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

/// One bar: its label, its length (out of the chart's maximum) and the
/// figure written after it.
struct Bar {
    label: String,
    value: i64,
    shown: String,
}

/// A horizontal bar chart, as SVG markup: `role="img"`, named by its title
/// and described by its description.
fn bar_chart(id: &str, title: &str, desc: &str, bars: &[Bar], max: i64) -> String {
    const ROW: i64 = 30;
    const LABEL: i64 = 210;
    const LENGTH: i64 = 330;
    let max = max.max(1);
    let height = ROW * bars.len() as i64 + 8;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-titre {id}-desc\" \
         viewBox=\"0 0 600 {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-titre\">{}</title>\
         <desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = 4 + ROW * i as i64;
        let length = (bar.value.max(0) * LENGTH) / max;
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"chart-label\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{length}\" height=\"20\" class=\"chart-bar\"></rect>\
             <text x=\"{}\" y=\"{}\" class=\"chart-value\">{}</text>",
            LABEL - 8,
            y + 15,
            escape(&clip(&bar.label, 26)),
            LABEL + length + 6,
            y + 15,
            escape(&bar.shown)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// « 4,25 » or « — ».
fn centi(value: Option<Centi>) -> String {
    value
        .map(|v| v.to_string())
        .unwrap_or_else(|| "—".to_owned())
}

/// « 33 % » of `part` out of `whole`, or « — ».
fn share(part: usize, whole: usize) -> String {
    percent(part, whole)
        .map(|p| format!("{p} %"))
        .unwrap_or_else(|| "—".to_owned())
}

/// « +20 », « -5 », « 0 », « — ».
fn signed(score: Option<i32>) -> String {
    match score {
        Some(s) if s > 0 => format!("+{s}"),
        Some(s) => s.to_string(),
        None => "—".to_owned(),
    }
}

/// A chart in its wrapper.
#[component]
fn Chart(markup: String) -> impl IntoView {
    view! { <div class="chart-box" inner_html=markup></div> }
}

/// A table of counts: one row per value, its count and share.
#[component]
fn CountTable(
    id: String,
    caption: String,
    head: &'static str,
    rows: Vec<(String, usize)>,
    total: usize,
) -> impl IntoView {
    view! {
        <div class="figures-scroll" role="region" aria-labelledby=format!("{id}-legende") tabindex="0">
            <table class="figures" id=id.clone()>
                <caption id=format!("{id}-legende")>{caption}</caption>
                <thead><tr>
                    <th scope="col">{head}</th>
                    <th scope="col">"Réponses"</th>
                    <th scope="col">"Part"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|(label, n)| view! {
                        <tr><th scope="row">{label}</th><td>{n}</td><td>{share(n, total)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The rows of a 1–5 scale's table, its ends labelled.
fn scale_rows(ratings: &Ratings, low: &str, high: &str) -> Vec<(String, usize)> {
    ratings
        .counts
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let label = match i {
                0 if !low.is_empty() => format!("1 – {low}"),
                4 if !high.is_empty() => format!("5 – {high}"),
                _ => (i + 1).to_string(),
            };
            (label, n)
        })
        .collect()
}

fn distribution(rows: &[(String, usize)]) -> String {
    rows.iter()
        .map(|(label, n)| format!("{label} : {n}"))
        .collect::<Vec<_>>()
        .join(" ; ")
}

/// The results of one question.
#[component]
fn QuestionResults(
    n: usize,
    summary: QuestionSummary,
    questionnaire: Questionnaire,
) -> impl IntoView {
    let id = format!("resultat-{}", summary.id);
    let heading = format!("{id}-titre");
    let labelled_by = heading.clone();
    let kind = questionnaire
        .question(&summary.id)
        .map(|q| q.kind.clone())
        .unwrap_or(FeedbackKind::ShortText);
    let (low, high) = match &kind {
        FeedbackKind::Scale {
            min_label,
            max_label,
        }
        | FeedbackKind::Matrix {
            min_label,
            max_label,
            ..
        } => (min_label.clone(), max_label.clone()),
        _ => (String::new(), String::new()),
    };
    let label = summary.label.clone();
    let answered = summary.answered;
    let figures = match summary.figures {
        Figures::Scale(ratings) => scale(&id, &label, &ratings, &low, &high).into_any(),
        Figures::Recommend(r) => recommend(&id, &label, &r).into_any(),
        Figures::Choice(c) => choices(&id, &label, &c, answered).into_any(),
        Figures::YesNo { yes, no } => {
            let rows = vec![("Oui".to_owned(), yes), ("Non".to_owned(), no)];
            let bars: Vec<Bar> = rows.iter().map(|(l, n)| Bar { label: l.clone(), value: *n as i64, shown: n.to_string() }).collect();
            let markup = bar_chart(&format!("{id}-graphique"), &format!("Oui et non : {label}"),
                &format!("Oui : {yes}, non : {no}, sur {} réponses.", yes + no), &bars, (yes.max(no)) as i64);
            view! {
                <Chart markup/>
                <CountTable id=format!("{id}-tableau") caption=format!("Réponses : {label}") head="Réponse" rows total=yes + no/>
            }.into_any()
        }
        Figures::Text(texts) => {
            if texts.is_empty() {
                view! { <p>"Aucune réponse écrite."</p> }.into_any()
            } else {
                let shown = shown_of(texts.len(), answered);
                view! {
                    {shown}
                    <ul class="texts">{texts.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                }.into_any()
            }
        }
        Figures::Number(numbers) => view! {
            <dl class="facts">
                <dt>"Moyenne"</dt><dd>{centi(numbers.mean)}</dd>
                <dt>"Médiane"</dt><dd>{centi(numbers.median)}</dd>
                <dt>"Minimum"</dt><dd>{numbers.min.map(|v| v.to_string()).unwrap_or_else(|| "—".to_owned())}</dd>
                <dt>"Maximum"</dt><dd>{numbers.max.map(|v| v.to_string()).unwrap_or_else(|| "—".to_owned())}</dd>
            </dl>
        }.into_any(),
        Figures::Matrix(rows) => matrix(&id, &label, &rows, &low, &high).into_any(),
    };
    view! {
        <section class="result" aria-labelledby=labelled_by id=id.clone()>
            <h2 id=heading>{format!("{n}. {label}")}</h2>
            <p class="result-count">{count(answered, "réponse", "réponses")}</p>
            {figures}
        </section>
    }
}

fn scale(id: &str, label: &str, ratings: &Ratings, low: &str, high: &str) -> impl IntoView {
    let rows = scale_rows(ratings, low, high);
    let total = ratings.total();
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(l, n)| Bar {
            label: l.clone(),
            value: *n as i64,
            shown: n.to_string(),
        })
        .collect();
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0) as i64;
    let markup = bar_chart(
        &format!("{id}-graphique"),
        &format!("Répartition des notes de 1 à 5 : {label}"),
        &format!(
            "{total} notes. {}. Moyenne {}, médiane {}.",
            distribution(&rows),
            centi(ratings.mean),
            centi(ratings.median)
        ),
        &bars,
        max,
    );
    view! {
        <dl class="facts">
            <dt>"Moyenne"</dt><dd>{format!("{} sur 5", centi(ratings.mean))}</dd>
            <dt>"Médiane"</dt><dd>{format!("{} sur 5", centi(ratings.median))}</dd>
        </dl>
        <Chart markup/>
        <CountTable id=format!("{id}-tableau") caption=format!("Répartition des notes : {label}") head="Note" rows total/>
    }
}

fn recommend(id: &str, label: &str, r: &Recommendation) -> impl IntoView {
    let rows: Vec<(String, usize)> = r
        .ratings
        .counts
        .iter()
        .enumerate()
        .map(|(i, &n)| (i.to_string(), n))
        .collect();
    let total = r.ratings.total();
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(l, n)| Bar {
            label: l.clone(),
            value: *n as i64,
            shown: n.to_string(),
        })
        .collect();
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0) as i64;
    let score = signed(r.score);
    let markup = bar_chart(
        &format!("{id}-graphique"),
        &format!("Répartition des notes de 0 à 10 : {label}"),
        &format!(
            "{total} notes. {}. Score de recommandation {score} ({} promoteurs, {} passifs, {} détracteurs).",
            distribution(&rows),
            r.promoters,
            r.passives,
            r.detractors
        ),
        &bars,
        max,
    );
    view! {
        <dl class="facts">
            <dt>"Score de recommandation"</dt><dd class="score">{score}</dd>
            <dt>"Promoteurs (9 et 10)"</dt><dd>{r.promoters}</dd>
            <dt>"Passifs (7 et 8)"</dt><dd>{r.passives}</dd>
            <dt>"Détracteurs (0 à 6)"</dt><dd>{r.detractors}</dd>
            <dt>"Moyenne"</dt><dd>{format!("{} sur 10", centi(r.ratings.mean))}</dd>
            <dt>"Médiane"</dt><dd>{format!("{} sur 10", centi(r.ratings.median))}</dd>
        </dl>
        <p class="hint">"Le score est la part des promoteurs moins celle des détracteurs, de −100 à +100."</p>
        <Chart markup/>
        <CountTable id=format!("{id}-tableau") caption=format!("Répartition des notes : {label}") head="Note" rows total/>
    }
}

fn choices(id: &str, label: &str, c: &Choices, answered: usize) -> impl IntoView {
    let mut rows: Vec<(String, usize)> = c
        .options
        .iter()
        .map(|o| (o.option.clone(), o.count))
        .collect();
    if c.other > 0 || !c.other_texts.is_empty() {
        rows.push(("Autre".to_owned(), c.other));
    }
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(l, n)| Bar {
            label: l.clone(),
            value: *n as i64,
            shown: n.to_string(),
        })
        .collect();
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0) as i64;
    let markup = bar_chart(
        &format!("{id}-graphique"),
        &format!("Réponses choisies : {label}"),
        &format!("{answered} réponses. {}.", distribution(&rows)),
        &bars,
        max,
    );
    let others = c.other_texts.clone();
    let shown = shown_of(others.len(), c.other);
    view! {
        <Chart markup/>
        <CountTable id=format!("{id}-tableau") caption=format!("Réponses choisies : {label}") head="Réponse" rows total=answered/>
        {(!others.is_empty()).then(|| view! {
            <p class="subheading">"Réponses « Autre »"</p>
            {shown}
            <ul class="texts">{others.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
        })}
    }
}

/// Says how many of a question's texts the page shows when the server sent
/// only the first ones (`parvis_core::feedback::results::TEXTS_SHOWN`).
fn shown_of(shown: usize, total: usize) -> Option<impl IntoView> {
    (shown < total).then(|| view! {
        <p class="hint">{format!("Les {shown} premières réponses écrites sur {total} : toutes sont dans les exports des réponses (« Exporter »).")}</p>
    })
}

fn matrix(id: &str, label: &str, rows: &[RowRatings], low: &str, high: &str) -> impl IntoView {
    let bars: Vec<Bar> = rows
        .iter()
        .map(|r| Bar {
            label: r.row.clone(),
            value: r.ratings.mean.map_or(0, |m| m.0),
            shown: centi(r.ratings.mean),
        })
        .collect();
    let markup = bar_chart(
        &format!("{id}-graphique"),
        &format!("Moyenne de chaque ligne, sur 5 : {label}"),
        &format!(
            "{}.",
            rows.iter()
                .map(|r| format!(
                    "{} : moyenne {} sur {} notes",
                    r.row,
                    centi(r.ratings.mean),
                    r.ratings.total()
                ))
                .collect::<Vec<_>>()
                .join(" ; ")
        ),
        &bars,
        500,
    );
    let table_id = format!("{id}-tableau");
    let ends = format!("1 : {low} ; 5 : {high}.");
    view! {
        <Chart markup/>
        <div class="figures-scroll" role="region" aria-labelledby=format!("{table_id}-legende") tabindex="0">
            <table class="figures" id=table_id.clone()>
                <caption id=format!("{table_id}-legende")>{format!("Notes par ligne : {label}")}</caption>
                <thead><tr>
                    <th scope="col">"Ligne"</th>
                    <th scope="col">"1"</th><th scope="col">"2"</th><th scope="col">"3"</th><th scope="col">"4"</th><th scope="col">"5"</th>
                    <th scope="col">"Notes"</th><th scope="col">"Moyenne"</th><th scope="col">"Médiane"</th>
                </tr></thead>
                <tbody>
                    {rows.iter().map(|r| view! {
                        <tr>
                            <th scope="row">{r.row.clone()}</th>
                            {r.ratings.counts.iter().map(|n| view! { <td>{*n}</td> }).collect_view()}
                            <td>{r.ratings.total()}</td>
                            <td>{centi(r.ratings.mean)}</td>
                            <td>{centi(r.ratings.median)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="hint">{ends}</p>
    }
}

fn headline(h: &Headline) -> String {
    match h {
        Headline::Mean(mean) => format!("moyenne {} sur 5", centi(*mean)),
        Headline::Score(score) => format!("score {}", signed(*score)),
    }
}

#[component]
fn ComparisonTable(rows: Vec<Comparison>) -> impl IntoView {
    view! {
        <section aria-labelledby="chaud-froid">
            <h2 id="chaud-froid">"À chaud et à froid"</h2>
            <div class="figures-scroll" role="region" aria-labelledby="comparaison-legende" tabindex="0">
                <table class="figures">
                    <caption id="comparaison-legende">"Les mêmes questions, à la fin de l'événement et quelques semaines après"</caption>
                    <thead><tr>
                        <th scope="col">"Question"</th>
                        <th scope="col">"À chaud"</th>
                        <th scope="col">"Réponses à chaud"</th>
                        <th scope="col">"À froid"</th>
                        <th scope="col">"Réponses à froid"</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|c| view! {
                            <tr>
                                <th scope="row">{c.label.clone()}</th>
                                <td>{headline(&c.hot)}</td>
                                <td>{c.hot_answered}</td>
                                <td>{headline(&c.cold)}</td>
                                <td>{c.cold_answered}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// One dimension's groups: their number of responses and the headline of
/// each scale and « recommanderiez-vous » question.
#[component]
fn BreakdownTable(
    id: &'static str,
    caption: &'static str,
    groups: Vec<Group>,
    headlines: Vec<(String, String)>,
    structure: bool,
) -> impl IntoView {
    if groups.is_empty() {
        return view! { <p>{format!("{caption} : aucune réponse à répartir.")}</p> }.into_any();
    }
    let legend = format!("{id}-legende");
    let labelled_by = legend.clone();
    view! {
        <div class="figures-scroll" role="region" aria-labelledby=labelled_by tabindex="0">
            <table class="figures" id=id>
                <caption id=legend>{caption}</caption>
                <thead><tr>
                    <th scope="col">"Groupe"</th>
                    <th scope="col">"Réponses"</th>
                    {headlines.iter().map(|(_, label)| view! { <th scope="col">{clip(label, 60)}</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    {groups.into_iter().map(|g| {
                        let name = match &g.name {
                            Some(name) if structure => parvis_core::gestion::structure_label(name).to_owned(),
                            Some(name) => name.clone(),
                            None => "Non renseigné".to_owned(),
                        };
                        let cells = headlines.iter().map(|(qid, _)| {
                            let text = match g.summary.question(qid).map(|s| &s.figures) {
                                Some(Figures::Scale(r)) => centi(r.mean),
                                Some(Figures::Recommend(r)) => signed(r.score),
                                _ => "—".to_owned(),
                            };
                            view! { <td>{text}</td> }
                        }).collect_view();
                        view! {
                            <tr><th scope="row">{name}</th><td>{g.summary.responses}</td>{cells}</tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_named_images_with_escaped_text() {
        let svg = bar_chart(
            "q",
            "Notes <satisfaction>",
            "3 notes",
            &[
                Bar {
                    label: "1 – Pas du tout".into(),
                    value: 0,
                    shown: "0".into(),
                },
                Bar {
                    label: "5".into(),
                    value: 2,
                    shown: "2".into(),
                },
            ],
            2,
        );
        assert!(
            svg.starts_with("<svg class=\"chart\" role=\"img\" aria-labelledby=\"q-titre q-desc\"")
        );
        assert!(svg.contains("<title id=\"q-titre\">Notes &lt;satisfaction&gt;</title>"));
        assert!(svg.contains("width=\"330\""));
        assert!(svg.contains("width=\"0\""));
    }

    #[test]
    fn figures_are_written_the_french_way() {
        assert_eq!(signed(Some(33)), "+33");
        assert_eq!(signed(Some(-5)), "-5");
        assert_eq!(share(1, 3), "33 %");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
