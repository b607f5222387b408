//! The 48-hour promise: working-time calendars, service-level policies, and
//! the clock each case runs against them. Pure: time is always passed in.

pub mod calendar;
pub mod clock;
pub mod holidays;
pub mod policy;
pub mod report;

pub use calendar::{Calendar, CalendarConfig, CountingMode, OfficeHours, Pause};
pub use clock::{Calendars, CaseSla, Level, Raised, SlaState, TargetClock, Threshold};
pub use holidays::{easter_sunday, is_public_holiday, public_holidays};
pub use policy::{Audience, ClockKind, Escalation, SlaPolicy, TargetKind, TargetPolicy};
