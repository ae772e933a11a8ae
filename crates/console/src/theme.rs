//! Colours. The default uses the terminal's own palette and marks the selection by
//! reverse video and bold, so it reads on dark and light terminals and under NO_COLOR.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeName {
    Default,
    Light,
    Mono,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub name: ThemeName,
    pub selected: Style,
    pub title: Style,
    pub dim: Style,
    pub key: Style,
    pub badge: Style,
    pub info: Style,
    pub warning: Style,
    pub error: Style,
    pub json_key: Style,
    pub json_string: Style,
    pub json_number: Style,
    pub json_literal: Style,
}

impl Theme {
    /// `NO_COLOR` (any non-empty value) wins over the configured theme.
    pub fn pick(configured: Option<&str>, no_color: bool) -> (Theme, Option<String>) {
        if no_color {
            return (Theme::of(ThemeName::Mono), None);
        }
        match configured.map(str::to_ascii_lowercase).as_deref() {
            None | Some("default") => (Theme::of(ThemeName::Default), None),
            Some("light") => (Theme::of(ThemeName::Light), None),
            Some("mono") => (Theme::of(ThemeName::Mono), None),
            Some(other) => (
                Theme::of(ThemeName::Default),
                Some(format!(
                    "theme: {other:?} is not a theme; it is default, light or mono"
                )),
            ),
        }
    }

    pub fn of(name: ThemeName) -> Theme {
        let plain = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let base = Theme {
            name,
            selected: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            title: bold,
            dim: Style::new().add_modifier(Modifier::DIM),
            key: bold,
            badge: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            info: plain,
            warning: bold,
            error: bold,
            json_key: bold,
            json_string: plain,
            json_number: plain,
            json_literal: plain,
        };
        match name {
            ThemeName::Mono => base,
            ThemeName::Default => Theme {
                key: bold.fg(Color::Cyan),
                warning: bold.fg(Color::Yellow),
                error: bold.fg(Color::Red),
                info: plain.fg(Color::Green),
                json_key: plain.fg(Color::Cyan),
                json_string: plain.fg(Color::Green),
                json_number: plain.fg(Color::Magenta),
                json_literal: plain.fg(Color::Yellow),
                ..base
            },
            // Darker hues that stay legible on a white background.
            ThemeName::Light => Theme {
                key: bold.fg(Color::Blue),
                warning: bold.fg(Color::Magenta),
                error: bold.fg(Color::Red),
                info: plain.fg(Color::Blue),
                json_key: plain.fg(Color::Blue),
                json_string: plain.fg(Color::Green),
                json_number: plain.fg(Color::Magenta),
                json_literal: plain.fg(Color::Red),
                ..base
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_forces_mono_and_unknown_theme_is_reported() {
        assert_eq!(Theme::pick(Some("light"), true).0.name, ThemeName::Mono);
        let (t, problem) = Theme::pick(Some("neon"), false);
        assert_eq!(t.name, ThemeName::Default);
        assert!(problem.unwrap().contains("default, light or mono"));
        assert_eq!(Theme::of(ThemeName::Mono).error.fg, None);
    }
}
