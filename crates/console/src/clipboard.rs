//! Copy-out: the system clipboard (arboard) when one is reachable, otherwise OSC 52 on
//! the terminal, which also works over SSH (so it is tried first when `$SSH_TTY` is set)
//! and through tmux (wrapped in a DCS passthrough). The text itself is never logged.

use std::io::Write;

use base64::Engine;

/// Terminals drop larger OSC 52 payloads; tmux and xterm cap at ~100 kB.
pub const OSC52_MAX_BYTES: usize = 74_994;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    System,
    Osc52,
    Osc52Tmux,
}

impl Method {
    pub fn describe(self) -> &'static str {
        match self {
            Method::System => "system clipboard",
            Method::Osc52 => "OSC 52 terminal clipboard",
            Method::Osc52Tmux => "OSC 52 via tmux",
        }
    }
}

/// The escape sequence that asks the terminal to set its clipboard to `text`.
pub fn osc52(text: &str, tmux: bool) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    if tmux {
        // tmux keeps a plain OSC 52 in its own buffer (set-clipboard on) and passes the
        // DCS-wrapped copy, ESCs doubled, to the outer terminal (allow-passthrough on).
        format!("\x1b]52;c;{b64}\x07\x1bPtmux;\x1b\x1b]52;c;{b64}\x07\x1b\\")
    } else {
        format!("\x1b]52;c;{b64}\x07")
    }
}

pub struct Clipboard {
    system: Option<arboard::Clipboard>,
    prefer_osc52: bool,
    tmux: bool,
}

impl Clipboard {
    pub fn from_env() -> Clipboard {
        let prefer_osc52 = std::env::var_os("SSH_TTY").is_some();
        let tmux = std::env::var_os("TMUX").is_some();
        // arboard fails at once without a display; that is the usual remote case.
        let system = if prefer_osc52 {
            None
        } else {
            arboard::Clipboard::new().ok()
        };
        Clipboard {
            system,
            prefer_osc52,
            tmux,
        }
    }

    /// Copies `text`; the answer says how, for the flash message.
    pub fn copy(&mut self, text: &str, out: &mut impl Write) -> Result<Method, String> {
        if !self.prefer_osc52
            && let Some(cb) = self.system.as_mut()
            && cb.set_text(text.to_string()).is_ok()
        {
            return Ok(Method::System);
        }
        let seq = osc52(text, self.tmux);
        if seq.len() > OSC52_MAX_BYTES {
            return Err(format!(
                "{} bytes is too large for the terminal clipboard (at most {OSC52_MAX_BYTES})",
                text.len()
            ));
        }
        out.write_all(seq.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| format!("cannot write to the terminal: {e}"))?;
        Ok(if self.tmux {
            Method::Osc52Tmux
        } else {
            Method::Osc52
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_base64_and_wraps_for_tmux() {
        assert_eq!(osc52("hi", false), "\x1b]52;c;aGk=\x07");
        assert_eq!(
            osc52("hi", true),
            "\x1b]52;c;aGk=\x07\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
    }

    #[test]
    fn over_ssh_osc52_is_used_and_capped() {
        let mut cb = Clipboard {
            system: None,
            prefer_osc52: true,
            tmux: false,
        };
        let mut out = Vec::new();
        assert_eq!(cb.copy("secret", &mut out), Ok(Method::Osc52));
        assert_eq!(out, osc52("secret", false).into_bytes());
        let big = "x".repeat(OSC52_MAX_BYTES);
        assert!(
            cb.copy(&big, &mut Vec::new())
                .unwrap_err()
                .contains("too large")
        );
    }
}
