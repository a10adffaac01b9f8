//! pdata's typed values that are no `pcommon.Value`: the fixed-size IDs
//! (`pcommon.TraceID`, `pcommon.SpanID`, `pprofile.ProfileID`), the record
//! slices the `events`, `links`, `data_points`, `exemplars` and
//! `quantile_values` paths give (`ptrace.SpanEventSlice`, ...), and the
//! structs of span `status` and data point `positive`/`negative` ([`Struct`]).
//!
//! As in otelcol they are values of their own type: `String(span_id)` and
//! `Concat` print an ID as Go's `json.Marshal` prints a byte array
//! (`[1,2,3,4,5,6,7,8]`) and a record slice as `{}`; an ID equals only the same
//! ID of the same type (`span_id == SpanID(0x0102030405060708)`), never bytes;
//! a record slice can only be set to a record slice of its own type
//! (`set(span.events, ...)`), and `Len` counts its records. A struct prints
//! as `{}` too, equals a struct of the same type and content, and sets only
//! a field of its type (`set(span.status, span.status)`).

use std::borrow::Cow;

use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
use opentelemetry_proto::tonic::metrics::v1::summary_data_point::ValueAtQuantile;
use opentelemetry_proto::tonic::metrics::v1::{
    Exemplar, ExponentialHistogramDataPoint, HistogramDataPoint, NumberDataPoint, SummaryDataPoint,
};
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
use opentelemetry_proto::tonic::trace::v1::Status;

/// A trace, span or profile ID. OTLP leaves an unset ID empty; here, as in
/// pdata, it is all zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    Trace([u8; 16]),
    Span([u8; 8]),
    Profile([u8; 16]),
}

impl Id {
    /// The ID an OTLP field holds (empty or of the wrong length: all zeros).
    pub fn trace(bytes: &[u8]) -> Id {
        Id::Trace(bytes.try_into().unwrap_or_default())
    }

    pub fn span(bytes: &[u8]) -> Id {
        Id::Span(bytes.try_into().unwrap_or_default())
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            Id::Trace(b) | Id::Profile(b) => b,
            Id::Span(b) => b,
        }
    }

    /// What to store in an OTLP field: all zeros is "unset", which OTLP
    /// writes as empty.
    pub fn to_otlp(&self) -> Vec<u8> {
        let b = self.bytes();
        if b.iter().all(|x| *x == 0) {
            Vec::new()
        } else {
            b.to_vec()
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Id::Trace(_) => "pcommon.TraceID",
            Id::Span(_) => "pcommon.SpanID",
            Id::Profile(_) => "pprofile.ProfileID",
        }
    }

    /// Go's `json.Marshal` of a byte array: `[1,2,3]`.
    pub fn json(&self) -> String {
        let items: Vec<String> = self.bytes().iter().map(u8::to_string).collect();
        format!("[{}]", items.join(","))
    }
}

/// A slice of records, borrowed from the record being processed or owned.
#[derive(Clone, Debug, PartialEq)]
pub enum Records<'a> {
    Events(Cow<'a, [Event]>),
    Links(Cow<'a, [Link]>),
    NumberPoints(Cow<'a, [NumberDataPoint]>),
    HistogramPoints(Cow<'a, [HistogramDataPoint]>),
    ExponentialHistogramPoints(Cow<'a, [ExponentialHistogramDataPoint]>),
    SummaryPoints(Cow<'a, [SummaryDataPoint]>),
    Exemplars(Cow<'a, [Exemplar]>),
    Quantiles(Cow<'a, [ValueAtQuantile]>),
}

fn owned<T: Clone>(c: Cow<'_, [T]>) -> Cow<'static, [T]> {
    Cow::Owned(c.into_owned())
}

impl Records<'_> {
    pub fn len(&self) -> usize {
        match self {
            Records::Events(r) => r.len(),
            Records::Links(r) => r.len(),
            Records::NumberPoints(r) => r.len(),
            Records::HistogramPoints(r) => r.len(),
            Records::ExponentialHistogramPoints(r) => r.len(),
            Records::SummaryPoints(r) => r.len(),
            Records::Exemplars(r) => r.len(),
            Records::Quantiles(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The Go type otelcol's messages name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Records::Events(_) => "ptrace.SpanEventSlice",
            Records::Links(_) => "ptrace.SpanLinkSlice",
            Records::NumberPoints(_) => "pmetric.NumberDataPointSlice",
            Records::HistogramPoints(_) => "pmetric.HistogramDataPointSlice",
            Records::ExponentialHistogramPoints(_) => "pmetric.ExponentialHistogramDataPointSlice",
            Records::SummaryPoints(_) => "pmetric.SummaryDataPointSlice",
            Records::Exemplars(_) => "pmetric.ExemplarSlice",
            Records::Quantiles(_) => "pmetric.SummaryDataPointValueAtQuantileSlice",
        }
    }

    pub fn into_owned(self) -> Records<'static> {
        match self {
            Records::Events(r) => Records::Events(owned(r)),
            Records::Links(r) => Records::Links(owned(r)),
            Records::NumberPoints(r) => Records::NumberPoints(owned(r)),
            Records::HistogramPoints(r) => Records::HistogramPoints(owned(r)),
            Records::ExponentialHistogramPoints(r) => Records::ExponentialHistogramPoints(owned(r)),
            Records::SummaryPoints(r) => Records::SummaryPoints(owned(r)),
            Records::Exemplars(r) => Records::Exemplars(owned(r)),
            Records::Quantiles(r) => Records::Quantiles(owned(r)),
        }
    }

    /// An empty slice of the same type (`clear`).
    pub fn empty(&self) -> Records<'static> {
        fn none<T: Clone>() -> Cow<'static, [T]> {
            Cow::Owned(Vec::new())
        }
        match self {
            Records::Events(_) => Records::Events(none()),
            Records::Links(_) => Records::Links(none()),
            Records::NumberPoints(_) => Records::NumberPoints(none()),
            Records::HistogramPoints(_) => Records::HistogramPoints(none()),
            Records::ExponentialHistogramPoints(_) => Records::ExponentialHistogramPoints(none()),
            Records::SummaryPoints(_) => Records::SummaryPoints(none()),
            Records::Exemplars(_) => Records::Exemplars(none()),
            Records::Quantiles(_) => Records::Quantiles(none()),
        }
    }
}

/// A pdata struct read whole: a span's `status` (`ptrace.Status`) or an
/// exponential histogram point's `positive` or `negative` buckets.
#[derive(Clone, Debug, PartialEq)]
pub enum Struct<'a> {
    Status(Cow<'a, Status>),
    Buckets(Cow<'a, Buckets>),
}

impl Struct<'_> {
    /// The Go type otelcol's messages name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Struct::Status(_) => "ptrace.Status",
            Struct::Buckets(_) => "pmetric.ExponentialHistogramDataPointBuckets",
        }
    }

    pub fn into_owned(self) -> Struct<'static> {
        match self {
            Struct::Status(s) => Struct::Status(Cow::Owned(s.into_owned())),
            Struct::Buckets(b) => Struct::Buckets(Cow::Owned(b.into_owned())),
        }
    }

    /// A struct of the same type with every field zero (`clear`).
    pub fn zero(&self) -> Struct<'static> {
        match self {
            Struct::Status(_) => Struct::Status(Cow::Owned(Status::default())),
            Struct::Buckets(_) => Struct::Buckets(Cow::Owned(Buckets::default())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_store_as_pdata_does() {
        let id = Id::span(&[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(id.json(), "[1,2,3,4,5,6,7,8]");
        assert_eq!(id.type_name(), "pcommon.SpanID");
        assert_eq!(Id::trace(&[]), Id::Trace([0; 16]), "an unset OTLP id is all zeros");
        assert_eq!(Id::trace(&[]).to_otlp(), Vec::<u8>::new());
        assert_ne!(Id::Trace([0; 16]), Id::Profile([0; 16]));
    }

    #[test]
    fn record_slices_count_and_name_their_type() {
        let r = Records::Events(Cow::Owned(vec![Event::default(), Event::default()]));
        assert_eq!(r.len(), 2);
        assert_eq!(r.type_name(), "ptrace.SpanEventSlice");
        assert!(Records::Exemplars(Cow::Owned(vec![])).is_empty());
    }
}
