//! Secrets Manager `GetRandomPassword`.

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::Sampler;
use crate::CryptoError;

/// The punctuation characters `GetRandomPassword` draws from.
pub const PUNCTUATION: &str = r##"!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"##;

const LOWERCASE: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPERCASE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";

/// The shortest and longest password `GetRandomPassword` makes.
const LENGTH_RANGE: std::ops::RangeInclusive<usize> = 1..=4096;

/// The request parameters of `GetRandomPassword`. [`Default`] gives the service's defaults: 32 characters of
/// letters, digits and punctuation, at least one of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRules {
    /// `PasswordLength`, 1 to 4096.
    pub length: usize,
    /// `ExcludeCharacters`: characters never to use.
    pub exclude_characters: String,
    pub exclude_numbers: bool,
    pub exclude_punctuation: bool,
    pub exclude_uppercase: bool,
    pub exclude_lowercase: bool,
    /// `IncludeSpace`: the space character may appear. It is never required.
    pub include_space: bool,
    /// `RequireEachIncludedType`: at least one lowercase letter, uppercase letter, digit and punctuation
    /// character, each where not excluded.
    pub require_each_included_type: bool,
}

impl Default for PasswordRules {
    fn default() -> Self {
        Self {
            length: 32,
            exclude_characters: String::new(),
            exclude_numbers: false,
            exclude_punctuation: false,
            exclude_uppercase: false,
            exclude_lowercase: false,
            include_space: false,
            require_each_included_type: true,
        }
    }
}

/// A random password following `rules`.
///
/// Each character type that is not excluded, minus `exclude_characters`, is a class; a class left empty by
/// `exclude_characters` counts as excluded. With `require_each_included_type`, one character is drawn from
/// each class; the rest are drawn from all allowed characters together, and the result is shuffled
/// (Fisher–Yates). Every draw is uniform (rejection sampling).
///
/// Fails when the length is out of range, no character is allowed, or the length is shorter than the number
/// of required classes.
pub fn password(rules: &PasswordRules) -> Result<SecretString, CryptoError> {
    if !LENGTH_RANGE.contains(&rules.length) {
        return Err(CryptoError::InvalidRules(
            "the password length must be between 1 and 4096".to_owned(),
        ));
    }
    let allowed = |set: &str| -> Vec<u8> {
        set.bytes()
            .filter(|&b| !rules.exclude_characters.as_bytes().contains(&b))
            .collect()
    };
    let classes: Vec<Vec<u8>> = [
        (rules.exclude_lowercase, LOWERCASE),
        (rules.exclude_uppercase, UPPERCASE),
        (rules.exclude_numbers, DIGITS),
        (rules.exclude_punctuation, PUNCTUATION),
    ]
    .into_iter()
    .filter(|&(excluded, _)| !excluded)
    .map(|(_, set)| allowed(set))
    .filter(|class| !class.is_empty())
    .collect();
    let mut pool = classes.concat();
    if rules.include_space {
        pool.extend(allowed(" "));
    }
    if pool.is_empty() {
        return Err(CryptoError::InvalidRules(
            "the rules exclude every character".to_owned(),
        ));
    }
    let required: &[Vec<u8>] = if rules.require_each_included_type {
        &classes
    } else {
        &[]
    };
    if rules.length < required.len() {
        return Err(CryptoError::InvalidRules(format!(
            "a password of {} characters cannot hold one of each of the {} required character types",
            rules.length,
            required.len()
        )));
    }

    let mut sampler = Sampler::new();
    let mut chars = Zeroizing::new(Vec::with_capacity(rules.length));
    for class in required {
        chars.push(sampler.pick(class));
    }
    while chars.len() < rules.length {
        chars.push(sampler.pick(&pool));
    }
    for i in (1..chars.len()).rev() {
        let j = sampler.below(i + 1);
        chars.swap(i, j);
    }
    let mut out = String::with_capacity(rules.length);
    out.extend(chars.iter().map(|&b| char::from(b)));
    Ok(SecretString::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use secrecy::ExposeSecret;

    fn generate(rules: &PasswordRules) -> String {
        password(rules).unwrap().expose_secret().to_owned()
    }

    #[test]
    fn punctuation_is_the_32_ascii_symbols() {
        assert_eq!(PUNCTUATION.len(), 32);
        assert!(PUNCTUATION.bytes().all(|b| b.is_ascii_punctuation()));
        assert_eq!((0u8..128).filter(u8::is_ascii_punctuation).count(), 32);
    }

    #[test]
    fn defaults() {
        let pw = generate(&PasswordRules::default());
        assert_eq!(pw.len(), 32);
        assert!(pw.bytes().any(|b| b.is_ascii_lowercase()));
        assert!(pw.bytes().any(|b| b.is_ascii_uppercase()));
        assert!(pw.bytes().any(|b| b.is_ascii_digit()));
        assert!(pw.bytes().any(|b| b.is_ascii_punctuation()));
        assert!(!pw.contains(' '));
        assert_ne!(pw, generate(&PasswordRules::default()));
    }

    #[test]
    fn required_characters_are_not_always_first() {
        // Without the shuffle, a lowercase letter would always come first.
        let rules = PasswordRules {
            length: 4,
            ..PasswordRules::default()
        };
        assert!((0..200).any(|_| !generate(&rules).as_bytes()[0].is_ascii_lowercase()));
    }

    #[test]
    fn impossible_rules_are_refused() {
        let everything = PasswordRules {
            exclude_lowercase: true,
            exclude_uppercase: true,
            exclude_numbers: true,
            exclude_punctuation: true,
            ..PasswordRules::default()
        };
        assert!(matches!(password(&everything), Err(CryptoError::InvalidRules(_))));
        let only_space = PasswordRules {
            include_space: true,
            ..everything
        };
        assert_eq!(
            generate(&PasswordRules {
                length: 3,
                ..only_space.clone()
            }),
            "   "
        );
        let no_space = PasswordRules {
            exclude_characters: " ".to_owned(),
            ..only_space
        };
        assert!(password(&no_space).is_err());
        for length in [0, 4097] {
            assert!(
                password(&PasswordRules {
                    length,
                    ..PasswordRules::default()
                })
                .is_err()
            );
        }
        assert!(
            password(&PasswordRules {
                length: 3,
                ..PasswordRules::default()
            })
            .is_err()
        );
        assert!(
            password(&PasswordRules {
                length: 4096,
                ..PasswordRules::default()
            })
            .is_ok()
        );
        let unrequired = PasswordRules {
            length: 1,
            require_each_included_type: false,
            ..PasswordRules::default()
        };
        assert_eq!(generate(&unrequired).len(), 1);
    }

    #[test]
    fn a_class_emptied_by_exclusions_is_not_required() {
        let rules = PasswordRules {
            length: 3,
            exclude_characters: DIGITS.to_owned(),
            ..PasswordRules::default()
        };
        let pw = generate(&rules);
        assert!(!pw.bytes().any(|b| b.is_ascii_digit()));
    }

    /// Whether a byte belongs to one of the four character types.
    type IsType = fn(&u8) -> bool;

    fn rules() -> impl Strategy<Value = PasswordRules> {
        (
            prop_oneof![0usize..=6, 0usize..=4100],
            proptest::collection::vec(proptest::char::range(' ', '~'), 0..40),
            any::<[bool; 4]>(),
            any::<[bool; 6]>(),
        )
            .prop_map(|(length, exclude, whole, flags)| {
                // Sometimes exclude a whole type by listing it, which random characters rarely do.
                let mut exclude_characters: String = exclude.into_iter().collect();
                for (on, set) in whole.into_iter().zip([LOWERCASE, UPPERCASE, DIGITS, PUNCTUATION]) {
                    if on {
                        exclude_characters.push_str(set);
                    }
                }
                PasswordRules {
                    length,
                    exclude_characters,
                    exclude_numbers: flags[0],
                    exclude_punctuation: flags[1],
                    exclude_uppercase: flags[2],
                    exclude_lowercase: flags[3],
                    include_space: flags[4],
                    require_each_included_type: flags[5],
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn passwords_follow_their_rules(rules in rules()) {
            let excluded = |b: u8| rules.exclude_characters.as_bytes().contains(&b);
            let types: [(bool, IsType); 4] = [
                (rules.exclude_lowercase, u8::is_ascii_lowercase),
                (rules.exclude_uppercase, u8::is_ascii_uppercase),
                (rules.exclude_numbers, u8::is_ascii_digit),
                (rules.exclude_punctuation, u8::is_ascii_punctuation),
            ];
            // The types with at least one usable character.
            let live: Vec<IsType> = types
                .iter()
                .filter(|(off, is)| !off && (0u8..128).any(|b| is(&b) && !excluded(b)))
                .map(|&(_, is)| is)
                .collect();
            let space_ok = rules.include_space && !excluded(b' ');
            let required = if rules.require_each_included_type { live.len() } else { 0 };
            let possible = (1..=4096).contains(&rules.length)
                && (!live.is_empty() || space_ok)
                && rules.length >= required;
            match password(&rules) {
                Err(CryptoError::InvalidRules(_)) => prop_assert!(!possible),
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
                Ok(pw) => {
                    prop_assert!(possible);
                    let pw = pw.expose_secret().as_bytes();
                    prop_assert_eq!(pw.len(), rules.length);
                    for &b in pw {
                        prop_assert!(!excluded(b), "excluded {:?} used", char::from(b));
                        let in_live_type = live.iter().any(|is| is(&b));
                        prop_assert!(in_live_type || (b == b' ' && space_ok), "{:?} not allowed", char::from(b));
                    }
                    if rules.require_each_included_type {
                        for is in &live {
                            prop_assert!(pw.iter().any(is));
                        }
                    }
                }
            }
        }
    }
}
