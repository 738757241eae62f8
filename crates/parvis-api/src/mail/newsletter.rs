//! The newsletter's emails: the confirmation of a sign-up (the
//! organisation's name and the link, nothing the requester typed, so
//! nobody can make Parvis carry their words to someone else's mailbox), and
//! an issue (the organiser's Markdown as plain text, then a footer with the
//! one-click unsubscribe link, which the `List-Unsubscribe` header repeats).

use anyhow::Result;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::compose::host_of;
use crate::outbox::OutgoingEmail;
use crate::token;

pub use crate::store::lettre::CONFIRMATION_DAYS;

/// Who sends an organisation's newsletter.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The organisation's name.
    pub organisation: String,
    /// The display name of its emails (its settings' sender name, else its
    /// name).
    pub sender_name: String,
    /// Where replies go, when it has a contact address.
    pub reply_to: Option<String>,
}

fn message_id(public_url: &str) -> Result<String> {
    Ok(format!(
        "<{}@{}>",
        token::random_hex(16)?,
        host_of(public_url)
    ))
}

/// The email asking `recipient` to confirm their sign-up.
pub fn confirmation_email(
    sender: &Sender,
    recipient: &str,
    token: &str,
    public_url: &str,
) -> Result<OutgoingEmail> {
    let link = format!(
        "{public_url}{}",
        parvis_core::lettre::paths::confirm_page(token)
    );
    let organisation = &sender.organisation;
    let body = format!(
        "Bonjour,\n\n\
         Une inscription à la lettre d'information de {organisation} a été demandée pour cette adresse.\n\n\
         Pour la confirmer, ouvrez ce lien puis choisissez « Confirmer mon inscription » (lien valable {CONFIRMATION_DAYS} jours) :\n{link}\n\n\
         Vous n'avez rien demandé ? Ignorez ce message : sans confirmation, vous ne recevrez rien.\n\n\
         {organisation}\n"
    );
    Ok(OutgoingEmail {
        message_id: message_id(public_url)?,
        recipient: recipient.to_owned(),
        subject: format!("Confirmez votre inscription à la lettre d'information de {organisation}"),
        body_text: body,
        ics: None,
        console_note: format!("lettre, confirmation : {link}"),
        sender_name: Some(sender.sender_name.clone()),
        reply_to: sender.reply_to.clone(),
        list_unsubscribe: None,
    })
}

/// The placeholder of the unsubscribe link in a preview.
pub const PREVIEW_LINK: &str = "[lien de désinscription propre à chaque personne]";

/// An issue's email to `recipient`; `token` is their unsubscribe token
/// (`None` in a preview, which shows [`PREVIEW_LINK`] instead).
pub fn issue_email(
    sender: &Sender,
    recipient: &str,
    subject: &str,
    markdown: &str,
    token: Option<&str>,
    public_url: &str,
) -> Result<OutgoingEmail> {
    let (page, one_click) = match token {
        Some(token) => (
            format!(
                "{public_url}{}",
                parvis_core::lettre::paths::unsubscribe_page(token)
            ),
            Some(format!(
                "<{public_url}{}>",
                parvis_core::lettre::paths::one_click(token)
            )),
        ),
        None => (PREVIEW_LINK.to_owned(), None),
    };
    let body = format!(
        "{text}\n\n-- \n\
         Vous recevez cette lettre d'information de {organisation} parce que vous vous y êtes inscrit·e.\n\
         Se désinscrire en un clic :\n{page}\n",
        text = plain_text(markdown),
        organisation = sender.organisation,
    );
    Ok(OutgoingEmail {
        message_id: message_id(public_url)?,
        recipient: recipient.to_owned(),
        subject: subject.to_owned(),
        body_text: body,
        ics: None,
        console_note: format!("lettre : {subject} | désinscription : {page}"),
        sender_name: Some(sender.sender_name.clone()),
        reply_to: sender.reply_to.clone(),
        list_unsubscribe: one_click,
    })
}

/// The organiser's Markdown (the descriptions' subset) as plain text:
/// paragraphs separated by a blank line, headings underlined, list items
/// with « - » or their number, links followed by their address in
/// parentheses (http, https and mailto only), quotations with « > », code
/// as typed, raw HTML shown as typed, images by their text.
pub fn plain_text(markdown: &str) -> String {
    let mut out = Text::default();
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut links: Vec<(String, usize)> = Vec::new();
    let mut heading_start: Option<(usize, u8)> = None;
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(text) | Event::Code(text) | Event::Html(text) | Event::InlineHtml(text) => {
                out.push(&text)
            }
            Event::SoftBreak | Event::HardBreak => out.newline(),
            Event::Rule => {
                out.block();
                out.push("----------");
                out.block();
            }
            Event::Start(Tag::Paragraph) if lists.is_empty() => out.block(),
            Event::End(TagEnd::Paragraph) => {
                if lists.is_empty() {
                    out.block();
                } else {
                    out.newline();
                }
            }
            Event::Start(Tag::Heading { level, .. }) => {
                out.block();
                heading_start = Some((out.text.len(), level as u8));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((start, level)) = heading_start.take() {
                    let width = out.text[start..].chars().count();
                    let mark = if level <= 1 { "=" } else { "-" };
                    out.newline();
                    out.push(&mark.repeat(width.max(3)));
                }
                out.block();
            }
            Event::Start(Tag::BlockQuote(_)) => {
                out.block();
                out.quotes += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                out.quotes = out.quotes.saturating_sub(1);
                out.block();
            }
            Event::Start(Tag::CodeBlock(_)) => {
                out.block();
                out.code = true;
            }
            Event::End(TagEnd::CodeBlock) => {
                out.code = false;
                out.block();
            }
            Event::Start(Tag::List(start)) => {
                if lists.is_empty() {
                    out.block();
                } else {
                    out.newline();
                }
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
                if lists.is_empty() {
                    out.block();
                }
            }
            Event::Start(Tag::Item) => {
                out.newline();
                let depth = lists.len().saturating_sub(1);
                let marker = match lists.last_mut() {
                    Some(Some(number)) => {
                        let marker = format!("{number}. ");
                        *number += 1;
                        marker
                    }
                    _ => "- ".to_owned(),
                };
                out.push(&format!("{}{marker}", "  ".repeat(depth)));
            }
            Event::End(TagEnd::Item) => out.newline(),
            Event::Start(Tag::Link { dest_url, .. }) => {
                links.push((dest_url.to_string(), out.text.len()))
            }
            Event::End(TagEnd::Link) => {
                if let Some((url, start)) = links.pop() {
                    let shown = out.text[start..].trim().to_owned();
                    let allowed = ["https://", "http://", "mailto:"]
                        .iter()
                        .any(|scheme| url.to_ascii_lowercase().starts_with(scheme));
                    let bare = url.trim_start_matches("mailto:");
                    if allowed && shown != url && shown != bare {
                        out.push(&format!(" ({url})"));
                    }
                }
            }
            _ => {}
        }
    }
    let mut text = String::with_capacity(out.text.len());
    let mut blank = 0;
    for line in out.text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !text.is_empty() {
            text.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        text.push_str(line);
    }
    text
}

/// Plain text being written: line starts get the quotation marks and the
/// code block's indentation.
#[derive(Default)]
struct Text {
    text: String,
    quotes: usize,
    code: bool,
}

impl Text {
    fn at_line_start(&self) -> bool {
        self.text.is_empty() || self.text.ends_with('\n')
    }

    fn push(&mut self, piece: &str) {
        for (index, part) in piece.split('\n').enumerate() {
            if index > 0 {
                self.newline();
            }
            if part.is_empty() {
                continue;
            }
            if self.at_line_start() {
                self.text.push_str(&"> ".repeat(self.quotes));
                if self.code {
                    self.text.push_str("    ");
                }
            }
            self.text.push_str(part);
        }
    }

    fn newline(&mut self) {
        // A code block keeps its blank lines.
        if !self.at_line_start() || self.code {
            self.text.push('\n');
        }
    }

    fn block(&mut self) {
        if self.text.is_empty() {
            return;
        }
        if !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        if !self.text.ends_with("\n\n") {
            self.text.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_readable_plain_text() {
        let text = plain_text(
            "## Au sommaire\n\nUne *journée* sur les **CTG**, voir [le programme](https://crpve.example.org/p).\n\n\
             - premier point\n- second point\n\n1. un\n2. deux\n\n> Une citation\n\n<b>brut</b> et [danger](javascript:alert(1))",
        );
        assert_eq!(
            text,
            "Au sommaire\n-----------\n\nUne journée sur les CTG, voir le programme (https://crpve.example.org/p).\n\n\
             - premier point\n- second point\n\n1. un\n2. deux\n\n> Une citation\n\n<b>brut</b> et danger"
        );
    }

    #[test]
    fn an_issue_carries_its_unsubscribe_link_in_the_footer_and_the_header() {
        let sender = Sender {
            organisation: "CRPVE".into(),
            sender_name: "CRPVE Essonne".into(),
            reply_to: Some("contact@crpve.example.org".into()),
        };
        let email = issue_email(
            &sender,
            "camille@ville.example.fr",
            "Lettre de mai",
            "Bonjour",
            Some("abc"),
            "https://parvis.example.org",
        )
        .unwrap();
        assert!(email.body_text.ends_with(
            "Se désinscrire en un clic :\nhttps://parvis.example.org/lettre/desinscription/abc\n"
        ));
        assert_eq!(
            email.list_unsubscribe.as_deref(),
            Some("<https://parvis.example.org/api/lettre/desinscription/abc>")
        );
        let preview = issue_email(
            &sender,
            "",
            "Lettre de mai",
            "Bonjour",
            None,
            "https://parvis.example.org",
        )
        .unwrap();
        assert!(preview.body_text.contains(PREVIEW_LINK));
        assert_eq!(preview.list_unsubscribe, None);
    }
}
