//! Colours. The default uses the terminal's own palette and marks the selection by
//! reverse video and bold, so it reads on dark and light terminals and under NO_COLOR.

use ratatui::style::{Color, Modifier, Style};
use strm_model::Invalid;

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
    /// The themes by name, as `--theme` and the config file write them.
    pub const NAMES: [&str; 3] = ["default", "light", "mono"];

    /// The theme named `configured` (by `field`); `NO_COLOR` (any non-empty value)
    /// wins over a valid one. A name that is no theme is refused, naming the choices.
    pub fn pick(configured: Option<&str>, no_color: bool, field: &str) -> Result<Theme, Invalid> {
        let name = match configured.map(str::to_ascii_lowercase).as_deref() {
            None | Some("default") => ThemeName::Default,
            Some("light") => ThemeName::Light,
            Some("mono") => ThemeName::Mono,
            Some(_) => {
                return Err(Invalid::new(
                    field,
                    format!("{:?} is not a theme", configured.unwrap_or_default()),
                    format!("choose {}", Theme::NAMES.join(", ")),
                ));
            }
        };
        Ok(Theme::of(if no_color { ThemeName::Mono } else { name }))
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
    fn no_color_forces_mono_and_an_unknown_theme_is_refused() {
        let light = Theme::pick(Some("light"), true, "--theme").unwrap();
        assert_eq!(light.name, ThemeName::Mono);
        let err = Theme::pick(Some("dark"), false, "--theme").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--theme: \"dark\" is not a theme; choose default, light, mono"
        );
        assert!(
            Theme::pick(Some("neon"), true, "t").is_err(),
            "NO_COLOR does not hide it"
        );
        assert_eq!(Theme::of(ThemeName::Mono).error.fg, None);
    }
}
