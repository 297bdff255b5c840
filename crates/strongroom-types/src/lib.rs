//! Strongroom's vocabulary: the small value types every layer speaks in.
//!
//! Everything here is parsed once at the edge ("parse, don't validate") and is then known to be well formed.
//! The crate does no I/O and derives no serde: the wire format lives in `strongroom-api`.

mod arn;
mod clock;
mod ids;
mod sealed;

pub use arn::{Arn, ArnError};
pub use clock::{Clock, ManualClock, SystemClock};
pub use ids::{AccessKeyId, AccessKeyKind, AccountId, IdError, Region};
pub use sealed::Sealed;
pub use time::OffsetDateTime;
