//! Reading a sink's credentials file (what `aws iam create-access-key` prints, or a
//! Google service-account key) for the CLI's `-cf` and the console's sink form: read, check
//! against the sink type's rule, and name the file in every problem, before anything is
//! sent.

use std::path::{Path, PathBuf};

use super::ClientError;
use strm_model::{Invalid, SinkType, rules};

/// The file's text when it is readable and fits `sink_type`'s credentials rule. A file
/// that cannot be read is `ClientError::File`; one that is not the expected JSON is
/// `ClientError::Invalid` with the file in its problem.
pub fn read_sink_credentials(path: &Path, sink_type: SinkType) -> Result<String, ClientError> {
    let path = expand_home(path);
    let text = std::fs::read_to_string(&path).map_err(|e| ClientError::File {
        path: path.clone(),
        reason: format!("cannot read the credentials file: {e}"),
    })?;
    rules::check_sink_credentials(sink_type, &text).map_err(|e| {
        Invalid::new(
            "credentials file",
            format!("{}: {} {}", path.display(), e.field, e.problem),
            e.rule,
        )
    })?;
    Ok(text)
}

/// `~/x` as a shell would read it: typed into a form, no shell expands it.
pub(crate) fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => Path::new(&home).join(rest),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strm_testkit::Scratch;

    #[test]
    fn problems_name_the_file() {
        let dir = Scratch::new();
        let missing = dir.path("missing.json");
        let err = read_sink_credentials(&missing, SinkType::S3).unwrap_err();
        assert!(matches!(err, ClientError::File { .. }), "{err}");
        assert!(err.to_string().contains("missing.json"), "{err}");

        let broken = dir.file("s3.json", "{not json");
        let err = read_sink_credentials(&broken, SinkType::S3).unwrap_err();
        assert!(matches!(err, ClientError::Invalid(_)), "{err}");
        assert!(
            err.to_string().contains("s3.json") && err.to_string().contains("not JSON"),
            "{err}"
        );

        let good = r#"{"AccessKey": {"AccessKeyId": "AKIA", "SecretAccessKey": "s"}}"#;
        std::fs::write(&broken, good).unwrap();
        assert_eq!(read_sink_credentials(&broken, SinkType::S3).unwrap(), good);
    }

    #[test]
    fn tilde_means_home() {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        if let Some(home) = home {
            assert_eq!(expand_home(Path::new("~/s3.json")), home.join("s3.json"));
        }
        assert_eq!(
            expand_home(Path::new("/x/s3.json")),
            PathBuf::from("/x/s3.json")
        );
    }
}
