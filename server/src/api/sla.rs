//! `relais.v1.SlaService`: how well the promises are kept.

use jiff::{ToSpan, tz::TimeZone};
use relais_core::{
    Error,
    sla::report::{self, Grouping, ReportRow},
    validation::{Violations, parse_iso_date},
};
use relais_proto::{
    convert::{self, FromWire},
    v1::{self as pb, sla_service_server::SlaService},
};
use tonic::{Request, Response, Status};

use super::{ApiError, Context, Trail};
use crate::{
    auth::policy::{self, Action},
    store::{ReportQuery, Store},
};

/// Report periods are calendar days in metropolitan France.
const REPORT_TIME_ZONE: &str = "Europe/Paris";

#[derive(Debug, Clone)]
pub struct SlaApi<S> {
    ctx: Context<S>,
}

impl<S: Store> SlaApi<S> {
    pub fn new(ctx: Context<S>) -> Self {
        Self { ctx }
    }

    async fn report(
        &self,
        trail: &Trail,
        request: Request<pb::GetReportRequest>,
    ) -> Result<pb::GetReportResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::GetReport)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let mut date = |field: &str, text: &str| {
            parse_iso_date(text)
                .map_err(|reason| violations.add(field, reason))
                .ok()
        };
        let from = date("from_date", &body.from_date);
        let to = date("to_date", &body.to_date);
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            violations.add("to_date", "must not be before from_date");
        }
        let grouping = match body.group_by {
            0 => Some(Grouping::HandlerOrganisation),
            value => Grouping::from_wire(value)
                .ok_or(())
                .map_err(|()| violations.add("group_by", format!("unknown value {value}")))
                .ok(),
        };
        let (Some(from), Some(to), Some(grouping)) = (from, to, grouping) else {
            return Err(Error::Invalid(violations).into());
        };
        if !violations.is_empty() {
            return Err(Error::Invalid(violations).into());
        }
        let zone = TimeZone::get(REPORT_TIME_ZONE).map_err(|e| {
            ApiError::from(Error::FailedPrecondition(format!(
                "the time zone database has no {REPORT_TIME_ZONE}: {e}"
            )))
        })?;
        let start = |date: jiff::civil::Date| {
            date.to_zoned(zone.clone())
                .map(|zoned| zoned.timestamp())
                .map_err(|_| Error::invalid_field("to_date", "out of range"))
        };
        let query = ReportQuery {
            scope: policy::list_scope(&principal),
            from: start(from)?,
            to: start(
                to.checked_add(1.day())
                    .map_err(|_| Error::invalid_field("to_date", "out of range"))?,
            )?,
            grouping,
        };
        let figures = self.ctx.store.report_figures(&query).await?;
        let now = self.ctx.now();
        let (rows, total) = report::aggregate(figures, now);
        Ok(pb::GetReportResponse {
            rows: rows.iter().map(row).collect(),
            total: Some(row(&total)),
            generate_time: Some(convert::timestamp(now)),
        })
    }
}

fn row(row: &ReportRow) -> pb::ReportRow {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    pb::ReportRow {
        key: row.key.clone(),
        label: row.label.clone(),
        received: count(row.received),
        first_responses_decided: count(row.first_responses_decided),
        first_responses_within_target: count(row.first_responses_within_target),
        first_responses_within_target_percent: row.first_responses_within_target_percent(),
        first_response_median: row.first_response_median.map(convert::duration),
        first_response_p90: row.first_response_p90.map(convert::duration),
        take_median: row.take_median.map(convert::duration),
        take_p90: row.take_p90.map(convert::duration),
        resolutions_decided: count(row.resolutions_decided),
        resolutions_within_target: count(row.resolutions_within_target),
        resolutions_within_target_percent: row.resolutions_within_target_percent(),
        open_on_track: count(row.open_on_track),
        open_at_risk: count(row.open_at_risk),
        open_breached: count(row.open_breached),
        open_paused: count(row.open_paused),
    }
}

#[tonic::async_trait]
impl<S: Store> SlaService for SlaApi<S> {
    async fn get_report(
        &self,
        request: Request<pb::GetReportRequest>,
    ) -> Result<Response<pb::GetReportResponse>, Status> {
        self.ctx
            .respond(Action::GetReport, request.remote_addr(), async |trail| {
                self.report(trail, request).await
            })
            .await
    }
}
