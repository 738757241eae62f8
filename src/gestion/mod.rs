//! The organisers' back-office (`/gestion/`): password-less sign-in (the
//! emailed link, or its 6-digit code), the organisations and their events,
//! the open sessions. Built as bins of its own, so the public app's bundle
//! does not carry it: this home build (`src/bin/gestion.rs`) and one per
//! area ([`Bundle`]: `src/bin/gestion_editeur.rs`, `gestion_inscrits.rs`,
//! `gestion_avis.rs`, `gestion_publications.rs`).

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use parvis_core::api::{ApiError, FieldErrors};
pub use parvis_core::gestion::Bundle;
use parvis_core::gestion::{
    AuditLine, CodeSignIn, EndSessions, EventLine, LinkSignIn, Me, MemberLine, MemberRequest,
    SessionLine, Settings, SignInRequest, paths,
};
use parvis_core::registration::field;

pub mod avis;
pub mod editeur;
pub mod evenement;
pub mod inscrits;
pub mod invitations;
pub mod lettre;
pub mod presence;
pub mod publications;

use crate::api::{call, json, read};
use crate::components::{ErrorNotice, Loading, StatusNotice, TextField};

async fn me() -> Result<Me, ApiError> {
    read(&call(Method::GET, paths::ME, None, None).await?)
}

/// The home build of the back-office (`dist/gestion/`): sign-in, the
/// dashboard, an event's page; every other address it is asked for says
/// « Page introuvable ». The other areas are builds of their own
/// ([`Bundle`]).
#[component]
pub fn App() -> impl IntoView {
    frame(Bundle::Accueil, || {
        view! {
            <Routes fallback=not_found>
                <Route path=path!("/gestion") view=Home/>
                <Route path=path!("/gestion/") view=Home/>
                <Route path=path!("/gestion/connexion") view=LinkSignInPage/>
                <Route path=path!("/gestion/organisations/:org/evenements/:slug") view=evenement::EventPage/>
            </Routes>
        }
    })
}

/// « Page introuvable », for an address no page of the build has.
pub fn not_found() -> impl IntoView {
    view! { <h1>"Page introuvable"</h1><p><a href="/gestion/">"Espace de gestion"</a></p> }
}

/// A back-office build: its header, `routes` (its `<Routes>`, built inside
/// the router), its footer. A link to a page of another build is loaded
/// by the browser rather than routed here (see [`bundle_links`]).
pub fn frame<V: IntoView + 'static>(
    bundle: Bundle,
    routes: impl FnOnce() -> V + Send + 'static,
) -> impl IntoView {
    BUILD.set(Some(bundle));
    bundle_links();
    view! {
        <Router>
            <a class="skip-link" href="#contenu"
                on:click=|ev| crate::follow_in_page_link(ev, "contenu")>"Aller au contenu"</a>
            <header class="site-header">
                <div class="wrap">
                    <a class="brand" href="/gestion/">"Parvis"</a>
                    <p class="tagline">"Espace de gestion des organisateurs"</p>
                    <nav aria-label="Menu principal">
                        <ul><li><a href="/" rel="external">"Agenda public"</a></li></ul>
                    </nav>
                </div>
            </header>
            <main id="contenu" tabindex="-1" class="wrap">{routes()}</main>
            <footer class="site-footer">
                <div class="wrap">
                    <ul class="footer-links">
                        <li><a href="/mentions-legales" rel="external">"Mentions légales"</a></li>
                        <li><a href="/donnees-personnelles" rel="external">"Données personnelles"</a></li>
                        <li><a href="/accessibilite" rel="external">"Accessibilité"</a></li>
                    </ul>
                </div>
            </footer>
        </Router>
    }
}

thread_local! {
    /// The build running in this page, once its [`frame`] is drawn.
    static BUILD: std::cell::Cell<Option<Bundle>> = const { std::cell::Cell::new(None) };
}

/// The path of `href` (an absolute path or URL of this site), without its
/// query or fragment, when it is on this origin.
fn same_origin_path(href: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let origin = location.origin().ok()?;
    let url = web_sys::Url::new_with_base(href, &origin).ok()?;
    (url.origin() == origin).then(|| url.pathname())
}

/// Whether the page at `path` (on this site) is another back-office
/// build's, or outside the back-office: the browser must load it.
fn elsewhere(path: &str) -> bool {
    BUILD
        .get()
        .is_some_and(|build| !path.starts_with("/gestion") || Bundle::of(path) != build)
}

/// Lets the browser load the links to another build's pages: leptos_router
/// routes every link of the site in the page, and would show « Page
/// introuvable » for them. Listens before it (capture), and for a plain
/// click on such a link ([`crate::route::plain_link_click`], which
/// leptos_router's own checks match), loads it.
fn bundle_links() {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(|ev: web_sys::MouseEvent| {
        let Some(url) = crate::route::plain_link_click(&ev) else {
            return;
        };
        if !elsewhere(&url.pathname()) {
            return;
        }
        ev.prevent_default();
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign(&url.href());
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.add_event_listener_with_callback_and_bool(
            "click",
            on_click.as_ref().unchecked_ref(),
            true,
        );
    }
    // Listens as long as the page lives.
    on_click.forget();
}

/// Shows `href` once called: routed in the page when this build has it,
/// loaded by the browser otherwise. Call it where `use_navigate` would be.
pub fn navigator() -> impl Fn(&str) + Clone + 'static {
    let navigate = leptos_router::hooks::use_navigate();
    move |href: &str| {
        if same_origin_path(href).is_some_and(|path| elsewhere(&path)) {
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign(href);
            }
        } else {
            navigate(href, Default::default());
        }
    }
}

/// `/gestion/`: the dashboard when signed in, the sign-in form otherwise.
#[component]
fn Home() -> impl IntoView {
    crate::set_title("Espace de gestion");
    let version = RwSignal::new(0u32);
    let account = LocalResource::new(move || {
        version.track();
        me()
    });
    view! {
        <Transition fallback=|| view! { <Loading text="Chargement…"/> }>
            {move || account.get().map(|result| match result {
                Ok(me) => view! { <Dashboard me on_change=move || version.update(|v| *v += 1)/> }.into_any(),
                Err(error) if error.code == "unauthorized" => {
                    view! { <SignIn on_signed_in=move || version.update(|v| *v += 1)/> }.into_any()
                }
                Err(error) => view! { <h1>"Espace de gestion"</h1><ErrorNotice message=error.message/> }.into_any(),
            })}
        </Transition>
    }
}

/// Sign-in: the address, then (in another browser) the emailed code.
#[component]
fn SignIn(on_signed_in: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    crate::set_title("Connexion – espace de gestion");
    let email = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let notice = RwSignal::new(None::<String>);
    let sent = RwSignal::new(false);
    let notice_ref = NodeRef::<leptos::html::Div>::new();
    let ask = Action::new_local(move |address: &String| {
        let body = json(&SignInRequest {
            email: address.clone(),
        });
        async move {
            read::<parvis_core::gestion::Accepted>(
                &call(Method::POST, paths::SIGN_IN, body, None).await?,
            )
        }
    });
    let check = Action::new_local(move |(address, typed): &(String, String)| {
        let body = json(&CodeSignIn {
            email: address.clone(),
            code: typed.clone(),
        });
        async move { read::<Me>(&call(Method::POST, paths::SIGN_IN_CODE, body, None).await?) }
    });
    let show = move |error: ApiError| {
        errors.set(error.fields.clone());
        notice.set(Some(error.message));
        crate::focus_when_shown(notice_ref);
    };
    Effect::new(move |_| {
        if let Some(result) = ask.value().get() {
            match result {
                Ok(answer) => {
                    errors.set(FieldErrors::default());
                    notice.set(Some(answer.message));
                    sent.set(true);
                    crate::focus_when_shown(notice_ref);
                }
                Err(error) => show(error),
            }
        }
    });
    Effect::new(move |_| {
        if let Some(result) = check.value().get() {
            match result {
                Ok(_) => on_signed_in(),
                Err(error) => show(error),
            }
        }
    });
    view! {
        <h1>"Connexion à l'espace de gestion"</h1>
        <p>"Pas de mot de passe : indiquez votre adresse, vous recevrez un lien de connexion et un code, valables 15 minutes."</p>
        <StatusNotice text=notice node=notice_ref/>
        <form novalidate on:submit=move |ev| { ev.prevent_default(); ask.dispatch(email.get_untracked()); }>
            <TextField name=field::EMAIL label="Adresse e-mail" value=email errors kind="email" autocomplete="email"/>
            <button type="submit" disabled=move || ask.pending().get()>"Recevoir un lien de connexion"</button>
        </form>
        <Show when=move || sent.get()>
            <section aria-labelledby="code-titre">
                <h2 id="code-titre">"Le lien s'ouvre dans un autre navigateur ?"</h2>
                <form novalidate on:submit=move |ev| { ev.prevent_default(); check.dispatch((email.get_untracked(), code.get_untracked())); }>
                    <TextField name="code" label="Code à 6 chiffres reçu par e-mail" value=code errors autocomplete="one-time-code"
                        hint="Par exemple : 123 456"/>
                    <button type="submit" disabled=move || check.pending().get()>"Me connecter avec ce code"</button>
                </form>
            </section>
        </Show>
    }
}

/// `/gestion/connexion#jeton=…`: the emailed link. The token is sent once,
/// by a POST (a mail scanner following the link signs nobody in), then
/// taken out of the address.
#[component]
fn LinkSignInPage() -> impl IntoView {
    crate::set_title("Connexion – espace de gestion");
    let token = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .and_then(|hash| hash.strip_prefix("#jeton=").map(str::to_owned))
        .unwrap_or_default();
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some("/gestion/connexion"),
        );
    }
    let outcome = LocalResource::new(move || {
        let body = json(&LinkSignIn {
            jeton: token.clone(),
        });
        async move { read::<Me>(&call(Method::POST, paths::SIGN_IN_LINK, body, None).await?) }
    });
    view! {
        <h1>"Connexion à l'espace de gestion"</h1>
        <Transition fallback=|| view! { <Loading text="Connexion en cours…"/> }>
            {move || outcome.get().map(|result| match result {
                Ok(me) => view! {
                    <div class="notice notice-success" role="status">
                        <p>{format!("Vous êtes connecté·e, {}.", me.account.name)}</p>
                    </div>
                    <p><a href="/gestion/" rel="external">"Aller à l'espace de gestion"</a></p>
                }.into_any(),
                Err(error) => view! {
                    <ErrorNotice message=error.message/>
                    <p><a href="/gestion/" rel="external">"Demander un nouveau lien"</a></p>
                }.into_any(),
            })}
        </Transition>
    }
}

/// The signed-in organiser's home: their organisations with their events,
/// and where they are signed in.
#[component]
fn Dashboard(me: Me, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    crate::set_title("Espace de gestion");
    let csrf = StoredValue::new(me.csrf_token.clone());
    let sessions = LocalResource::new(move || async move {
        read::<Vec<SessionLine>>(&call(Method::GET, paths::SESSIONS, None, None).await?)
    });
    let end = Action::new_local(move |session: &Option<i64>| {
        let body = json(&EndSessions { session: *session });
        let proof = csrf.get_value();
        async move { call(Method::POST, paths::END_SESSIONS, body, Some(&proof)).await }
    });
    let sign_out = Action::new_local(move |_: &()| {
        let proof = csrf.get_value();
        async move { call(Method::POST, paths::SIGN_OUT, json(&()), Some(&proof)).await }
    });
    Effect::new(move |_| {
        if end.value().get().is_some() {
            sessions.refetch();
            on_change();
        }
    });
    Effect::new(move |_| {
        if sign_out.value().get().is_some() {
            on_change();
        }
    });
    let organisations = me
        .organisations
        .iter()
        .map(|membership| {
            let slug = membership.organisation.slug.clone();
            let heading = format!("organisation-{slug}");
            let labelled_by = heading.clone();
            let organisation = StoredValue::new(slug.clone());
            let events = crate::api::Loaded::<Vec<EventLine>>::new(move || {
                paths::events(&slug)
            });
            view! {
                <section aria-labelledby=labelled_by>
                    <h2 id=heading>{membership.organisation.name.clone()}</h2>
                    <p>{format!("Votre rôle : {}", membership.role)}</p>
                    <h3>"Événements"</h3>
                    <p><a class="button" href=format!("/gestion/organisations/{}/evenements/nouveau", organisation.get_value())>"Créer un événement"</a></p>
                    <p><a href=avis::partenaires::page_href(&organisation.get_value())>"Questionnaires aux partenaires"</a></p>
                    <p><a href=parvis_core::lettre::paths::page(&organisation.get_value())>"Lettre d'information"</a></p>
                    <p><a href=publications::page_href(&organisation.get_value())>"Publications"</a></p>
                    <Transition fallback=|| view! { <Loading text="Chargement des événements…"/> }>
                        {move || events.get().map(|result| match result {
                            Ok(list) if list.is_empty() => view! { <p>"Aucun événement pour l'instant."</p> }.into_any(),
                            Ok(list) => view! {
                                <ul class="event-lines">{list.into_iter().map(|event| view! {
                                    <li>
                                        <a href=evenement::href(&organisation.get_value(), &event.slug)>{event.title.clone()}</a>
                                        <span class="meta">{format!(
                                            " — {} — {} — {} confirmé·e(s), {} en attente",
                                            event.status.label(),
                                            parvis_core::dates::long_date(event.starts_at.date_naive()),
                                            event.confirmed,
                                            event.waitlisted
                                        )}</span>
                                    </li>
                                }).collect_view()}</ul>
                            }.into_any(),
                            Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                        })}
                    </Transition>
                    {(membership.role == "administrateur").then(|| view! {
                        <OrganisationSettings organisation=membership.organisation.slug.clone() csrf=csrf/>
                        <Team organisation=membership.organisation.slug.clone() csrf=csrf/>
                        <Journal organisation=membership.organisation.slug.clone()/>
                    })}
                </section>
            }
        })
        .collect_view();
    view! {
        <h1>"Espace de gestion"</h1>
        <p>{format!("Connecté·e : {} ({})", me.account.name, me.account.email)}</p>
        {organisations}
        <section aria-labelledby="sessions-titre">
            <h2 id="sessions-titre">"Mes connexions"</h2>
            <Transition fallback=|| view! { <Loading text="Chargement des connexions…"/> }>
                {move || sessions.get().map(|result| match result {
                    Ok(list) => view! {
                        <ul class="sessions">{list.into_iter().map(|line| {
                            let id = line.id;
                            view! {
                                <li>
                                    {format!("{} — depuis le {}", line.user_agent, line.created_at.format("%d/%m/%Y à %H:%M UTC"))}
                                    {if line.current {
                                        view! { <strong>" (ce navigateur)"</strong> }.into_any()
                                    } else {
                                        view! { " " <button type="button" class="secondary" on:click=move |_| { end.dispatch(Some(id)); }>"Fermer cette connexion"</button> }.into_any()
                                    }}
                                </li>
                            }
                        }).collect_view()}</ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| { end.dispatch(None); }>"Me déconnecter partout"</button>
                <button type="button" on:click=move |_| { sign_out.dispatch(()); }>"Me déconnecter"</button>
            </div>
        </section>
    }
}

/// The name of field `field` in organisation `slug`'s forms
/// (`{slug}.{field}`, id `champ-{slug}-{field}`): an administrator of two
/// organisations has both organisations' forms on the dashboard, and no
/// two fields share an id.
pub fn scoped_field(slug: &str, field: &str) -> String {
    format!("{slug}.{field}")
}

/// The endpoint's field errors, keyed as organisation `slug`'s fields
/// are named ([`scoped_field`]).
pub fn scoped_errors(slug: &str, errors: &FieldErrors) -> FieldErrors {
    FieldErrors(
        errors
            .0
            .iter()
            .map(|(field, messages)| (scoped_field(slug, field), messages.clone()))
            .collect(),
    )
}

/// An organisation's team, for its administrators: who signs in, with
/// which role; add someone or change their role.
#[component]
pub fn Team(organisation: String, csrf: StoredValue<String>) -> impl IntoView {
    let url = paths::team(&organisation);
    let list_url = url.clone();
    let version = RwSignal::new(0u32);
    let members = crate::api::Loaded::<Vec<MemberLine>>::new(move || {
        version.track();
        list_url.clone()
    });
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("organisateur".to_owned());
    let errors = RwSignal::new(FieldErrors::default());
    let notice = RwSignal::new(None::<String>);
    let notice_ref = NodeRef::<leptos::html::Div>::new();
    let slug = organisation.clone();
    let add = Action::new_local(move |request: &MemberRequest| {
        let body = json(request);
        let url = url.clone();
        let proof = csrf.get_value();
        async move { call(Method::POST, &url, body, Some(&proof)).await }
    });
    Effect::new(move |_| {
        if let Some(result) = add.value().get() {
            match result {
                Ok(_) => {
                    errors.set(FieldErrors::default());
                    notice.set(Some("La personne fait partie de l'équipe : elle peut se connecter avec son adresse.".to_owned()));
                    email.set(String::new());
                    name.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(error) => {
                    errors.set(scoped_errors(&slug, &error.fields));
                    notice.set(Some(error.message));
                }
            }
            crate::focus_when_shown(notice_ref);
        }
    });
    let heading = format!("equipe-{organisation}");
    let labelled_by = heading.clone();
    let role_id = format!("role-{organisation}");
    let role_for = role_id.clone();
    view! {
        <section aria-labelledby=labelled_by>
            <h3 id=heading>"Équipe"</h3>
            <Transition fallback=|| view! { <Loading text="Chargement de l'équipe…"/> }>
                {move || members.get().map(|result| match result {
                    Ok(list) => view! {
                        <ul>{list.into_iter().map(|m| view! { <li>{format!("{} ({}) — {}", m.name, m.email, m.role)}</li> }).collect_view()}</ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
            <StatusNotice text=notice node=notice_ref/>
            <form novalidate on:submit=move |ev| {
                ev.prevent_default();
                add.dispatch(MemberRequest { email: email.get_untracked(), name: name.get_untracked(), role: role.get_untracked() });
            }>
                <TextField name=scoped_field(&organisation, field::EMAIL) label="Adresse e-mail de la personne" value=email errors kind="email" autocomplete="off"/>
                <TextField name=scoped_field(&organisation, "name") label="Nom" value=name errors autocomplete="off"/>
                <div class="field">
                    <label for=role_for>"Rôle (obligatoire)"</label>
                    <select id=role_id on:change=move |ev| role.set(event_target_value(&ev))>
                        <option value="organisateur" selected=true>"Organisateur·rice (les événements)"</option>
                        <option value="administrateur">"Administrateur·rice (l'équipe et les réglages aussi)"</option>
                    </select>
                </div>
                <button type="submit" disabled=move || add.pending().get()>"Ajouter à l'équipe"</button>
            </form>
        </section>
    }
}

/// The last lines of an organisation's audit log, for its administrators.
#[component]
fn Journal(organisation: String) -> impl IntoView {
    let url = paths::audit_log(&organisation);
    let lines = crate::api::Loaded::<Vec<AuditLine>>::new(move || url.clone());
    let heading = format!("journal-{organisation}");
    let labelled_by = heading.clone();
    view! {
        <section aria-labelledby=labelled_by>
            <h3 id=heading>"Journal"</h3>
            <Transition fallback=|| view! { <Loading text="Chargement du journal…"/> }>
                {move || lines.get().map(|result| match result {
                    Ok(list) => view! {
                        <ul>{list.into_iter().take(20).map(|line| view! {
                            <li>{format!("{} — {} — {}", line.at.format("%d/%m/%Y %H:%M UTC"), line.who.unwrap_or_default(), line.detail)}</li>
                        }).collect_view()}</ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// An organisation's settings, for its administrators.
#[component]
pub fn OrganisationSettings(organisation: String, csrf: StoredValue<String>) -> impl IntoView {
    let url = paths::settings(&organisation);
    let read_url = url.clone();
    let name = RwSignal::new(String::new());
    let sender = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let notice = RwSignal::new(None::<String>);
    let notice_ref = NodeRef::<leptos::html::Div>::new();
    let loaded = crate::api::Loaded::<Settings>::new(move || read_url.clone());
    Effect::new(move |_| {
        if let Some(Ok(settings)) = loaded.get() {
            name.set(settings.organisation_name);
            sender.set(settings.sender_name);
            contact.set(settings.contact_email);
        }
    });
    let slug = organisation.clone();
    let save = Action::new_local(move |settings: &Settings| {
        let body = json(settings);
        let url = url.clone();
        let proof = csrf.get_value();
        async move { call(Method::POST, &url, body, Some(&proof)).await }
    });
    Effect::new(move |_| {
        if let Some(result) = save.value().get() {
            match result {
                Ok(_) => {
                    errors.set(FieldErrors::default());
                    notice.set(Some("Les réglages sont enregistrés.".to_owned()));
                }
                Err(error) => {
                    errors.set(scoped_errors(&slug, &error.fields));
                    notice.set(Some(error.message));
                }
            }
            crate::focus_when_shown(notice_ref);
        }
    });
    let heading = format!("reglages-{organisation}");
    let labelled_by = heading.clone();
    view! {
        <section aria-labelledby=labelled_by>
            <h3 id=heading>"Réglages"</h3>
            <StatusNotice text=notice node=notice_ref/>
            <form novalidate on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(Settings {
                    organisation_name: name.get_untracked(),
                    sender_name: sender.get_untracked(),
                    contact_email: contact.get_untracked(),
                });
            }>
                <TextField name=scoped_field(&organisation, "organisation_name") label="Nom de l'organisation" value=name errors autocomplete="organization"/>
                <TextField name=scoped_field(&organisation, "sender_name") label="Nom d'expéditeur des e-mails" value=sender errors required=false
                    hint="Vide : chaque événement signe du nom de son organisateur."/>
                <TextField name=scoped_field(&organisation, "contact_email") label="Adresse de contact" value=contact errors kind="email" required=false/>
                <button type="submit" disabled=move || save.pending().get()>"Enregistrer les réglages"</button>
            </form>
        </section>
    }
}
