//! The one shape of the API's enums: upper-case text on the wire (serde) and in strings
//! (strum), read in any case, with a parse error that names the field and the choices.

/// `wire_enum! { /// doc  pub enum Name: "field", "a thing", "the rule" { #[default] A, B } }`
/// defines the enum with its serde and strum derives, `ALL`, `as_str` and the error a
/// wrong value gets: `field: "x" is not a thing; the rule`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident: $field:literal, $what:literal, $rule:literal {
            $($(#[$vmeta:meta])* $variant:ident),+ $(,)?
        }
    ) => {
        wire_enum! {
            $(#[$meta])*
            pub enum $name: $field, $what, $rule, "UPPERCASE" {
                $($(#[$vmeta])* $variant),+
            }
        }
    };
    // With the case of its wire names (`"SCREAMING_SNAKE_CASE"` for `JSON_SCHEMA`).
    (
        $(#[$meta:meta])*
        pub enum $name:ident: $field:literal, $what:literal, $rule:literal, $case:literal {
            $($(#[$vmeta:meta])* $variant:ident),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug,
            Clone,
            Copy,
            Default,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
            strum::Display,
            strum::EnumString,
            strum::IntoStaticStr,
            strum::VariantArray,
        )]
        #[serde(rename_all = $case)]
        #[strum(
            serialize_all = $case,
            ascii_case_insensitive,
            parse_err_ty = $crate::Invalid,
            parse_err_fn = $name::not_one
        )]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &[$name] = <Self as strum::VariantArray>::VARIANTS;

            pub fn as_str(self) -> &'static str {
                self.into()
            }

            fn not_one(s: &str) -> $crate::Invalid {
                $crate::Invalid::new($field, format!("{s:?} is not {}", $what), $rule)
            }
        }
    };
}
