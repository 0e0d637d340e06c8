//! `text_enum!` declares a GraphQL enum that is stored as text, with its stored form and parser,
//! so each domain enum is one declaration instead of three hand-kept matches.

/// Declares a GraphQL enum stored as `SCREAMING_SNAKE_CASE` text.
///
/// ```ignore
/// text_enum! {
///     /// Kind of unit.
///     pub enum UnitKind { /// A flat. Flat => "FLAT", /// A shop. Commercial => "COMMERCIAL" }
/// }
/// ```
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, async_graphql::Enum)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored form.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value stored as `text`.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The value stored as `text`, or an internal error for a row the code does not know.
            pub fn from_stored(text: &str) -> $crate::error::AppResult<$name> {
                $name::parse(text).ok_or_else(|| {
                    $crate::error::AppError::internal(format!(
                        "unknown {} value in the database: {text}",
                        stringify!($name)
                    ))
                })
            }
        }
    };
}
