//! The one shape of a `Debug` that must not show everything: tokens, passwords, client
//! secrets, credentials and key material never reach a log or a `{:?}`.

/// `debug_showing!(Type { a, b, label: path.to.c })` implements `Debug` for `Type`
/// showing only the fields named (`Type { a: .., b: .., label: .., .. }`); what it does
/// not name stays out. `; redacted x, y` names optional secrets too, shown as
/// `Some("<redacted>")` or `None`, for types that show that a secret is there.
#[macro_export]
macro_rules! debug_showing {
    ($ty:ident { $($label:ident $(: $($path:ident).+)?),* $(,)? }) => {
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(
                        stringify!($label),
                        $crate::debug_showing!(@field self, $label $(, $($path).+)?),
                    ))*
                    .finish_non_exhaustive()
            }
        }
    };
    ($ty:ident { $($label:ident),* ; redacted $($secret:ident),+ $(,)? }) => {
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($label), &self.$label))*
                    $(.field(
                        stringify!($secret),
                        &self.$secret.as_ref().map(|_| "<redacted>"),
                    ))+
                    .finish()
            }
        }
    };
    (@field $self:ident, $label:ident) => {
        &$self.$label
    };
    (@field $self:ident, $label:ident, $($path:ident).+) => {
        &$self.$($path).+
    };
}

#[cfg(test)]
mod tests {
    struct Login {
        email: String,
        inner: Inner,
        password: String,
    }

    struct Inner {
        id: u32,
    }

    debug_showing!(Login {
        email,
        inner_id: inner.id
    });

    struct Create {
        name: String,
        secret: Option<String>,
    }

    debug_showing!(Create { name; redacted secret });

    #[test]
    fn shows_only_the_named_fields() {
        let login = Login {
            email: "a@b.c".into(),
            inner: Inner { id: 7 },
            password: "hunter2".into(),
        };
        assert_eq!(
            format!("{login:?}"),
            r#"Login { email: "a@b.c", inner_id: 7, .. }"#
        );
        assert!(!login.password.is_empty());
    }

    #[test]
    fn redacts_optional_secrets() {
        let create = Create {
            name: "n".into(),
            secret: Some("hunter2".into()),
        };
        assert_eq!(
            format!("{create:?}"),
            r#"Create { name: "n", secret: Some("<redacted>") }"#
        );
    }
}
