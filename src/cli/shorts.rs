//! The seed's multi-letter short options (`-cl`, `-en`, ...). clap only knows one-letter
//! shorts, so argv is rewritten before parsing, and the help renderer shows the same forms;
//! both read this one table.

/// Multi-letter short → long option, as the 2021 CLI wrote them.
pub const MULTI_LETTER_SHORTS: &[(&str, &str)] = &[
    ("-cl", "--consent-level"),
    ("-clt", "--consent-level-type"),
    ("-dn", "--decrypter-name"),
    ("-en", "--exporter-name"),
    ("-sn", "--sink-name"),
    ("-st", "--sink-type"),
    ("-pp", "--path-prefix"),
    ("-cf", "--credentials-file"),
    ("-bn", "--bucket-name"),
    ("-on", "--output-name"),
];

/// The multi-letter short of a long option name (without dashes), for help output.
pub fn multi_letter_short(long: &str) -> Option<&'static str> {
    MULTI_LETTER_SHORTS
        .iter()
        .find(|(_, l)| l.strip_prefix("--") == Some(long))
        .map(|(s, _)| *s)
}

fn long_of(short: &str) -> Option<&'static str> {
    MULTI_LETTER_SHORTS
        .iter()
        .find(|(s, _)| *s == short)
        .map(|(_, l)| *l)
}

/// Replaces every multi-letter short (also in the `-cl=1` form) by its long option.
/// Everything after `--` is left alone: it is positional by definition.
pub fn rewrite_args<I, T>(args: I) -> Vec<std::ffi::OsString>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString>,
{
    let mut done = false;
    args.into_iter()
        .map(Into::into)
        .map(|arg| {
            if done {
                return arg;
            }
            let Some(text) = arg.to_str() else { return arg };
            if text == "--" {
                done = true;
                return arg;
            }
            let (flag, value) = match text.split_once('=') {
                Some((f, v)) => (f, Some(v)),
                None => (text, None),
            };
            match (long_of(flag), value) {
                (Some(long), None) => long.into(),
                (Some(long), Some(v)) => format!("{long}={v}").into(),
                (None, _) => arg,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(args: &[&str]) -> Vec<String> {
        rewrite_args(args.iter().copied())
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn seed_forms_become_long_options() {
        assert_eq!(
            rewrite(&[
                "strm-tui", "outputs", "create", "bart", "level0-1", "-cl", "0", "-cl", "1",
                "-clt", "GRANULAR"
            ]),
            [
                "strm-tui",
                "outputs",
                "create",
                "bart",
                "level0-1",
                "--consent-level",
                "0",
                "--consent-level",
                "1",
                "--consent-level-type",
                "GRANULAR"
            ]
        );
        assert_eq!(
            rewrite(&["x", "-en", "s3", "-sn=s3-bart", "-i", "-1"]),
            [
                "x",
                "--exporter-name",
                "s3",
                "--sink-name=s3-bart",
                "-i",
                "-1"
            ]
        );
    }

    #[test]
    fn one_letter_shorts_values_and_after_double_dash_are_kept() {
        assert_eq!(
            rewrite(&["x", "-c", "{}", "-k", "--", "-cl"]),
            ["x", "-c", "{}", "-k", "--", "-cl"]
        );
    }

    #[test]
    fn every_long_has_its_short() {
        for (short, long) in MULTI_LETTER_SHORTS {
            assert_eq!(multi_letter_short(&long[2..]), Some(*short));
        }
        assert_eq!(multi_letter_short("interval"), None);
    }
}
