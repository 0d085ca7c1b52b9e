//! The parts of the routes' OpenAPI annotations that most routes share, so
//! that an annotation names only what is particular to its route. Each
//! writes exactly what the tuple it stands for would (`("year" = i64, Path,
//! description = "Programme year id")`, `(status = 401, body = ErrorBody)`).

use std::collections::BTreeMap;

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{
    ContentBuilder, KnownFormat, ObjectBuilder, Ref, RefOr, Required, Response, ResponseBuilder,
    SchemaFormat, Type,
};
use utoipa::{IntoParams, IntoResponses};

fn path_param(name: &str, description: &str, schema: ObjectBuilder) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .description(Some(description))
        .required(Required::True)
        .schema(Some(schema))
        .build()
}

fn path_id(name: &str, description: &str) -> Parameter {
    let int64 = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)));
    path_param(name, description, int64)
}

/// `{year}`: the programme year's id.
pub struct YearPath;

impl IntoParams for YearPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![path_id("year", "Programme year id")]
    }
}

/// `{year}/…/{version}`: a plan version of the year.
pub struct PlanPath;

impl IntoParams for PlanPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            path_id("year", "Programme year id"),
            path_id("version", "Plan version"),
        ]
    }
}

/// `{year}/reviews/{host_urn}`: a review of the year, by the school reviewed.
pub struct ReviewPath;

impl IntoParams for ReviewPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            path_id("year", "Programme year id"),
            path_param(
                "host_urn",
                "URN of the school reviewed",
                ObjectBuilder::new().schema_type(Type::String),
            ),
        ]
    }
}

/// An error response with the service's error body: `status`, and what it
/// means where the status alone does not say.
fn error(status: &str, description: &str) -> (String, RefOr<Response>) {
    let body = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    let response = ResponseBuilder::new()
        .description(description)
        .content("application/json", body)
        .build();
    (status.to_string(), RefOr::T(response))
}

/// A set of error responses, as a type the annotations list.
macro_rules! refusals {
    ($(#[$doc:meta])* $name:ident: $(($status:literal, $description:literal)),+) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                BTreeMap::from([$(error($status, $description)),+])
            }
        }
    };
}

refusals!(
    /// 401 for a caller not signed in; every route but the sign-in answers it.
    Unsigned: ("401", "")
);
refusals!(
    /// 401 and 403, for routes whose refusal needs no further word.
    Refused: ("401", ""), ("403", "")
);
refusals!(
    /// 401, 403 and 404: the SIM's reads of a year, which say no more of a
    /// refusal than its status.
    RefusedOrMissing: ("401", ""), ("403", ""), ("404", "")
);
refusals!(
    /// 401, and 403 for anyone but a head.
    HeadsOnly: ("401", ""), ("403", "Not a head")
);
refusals!(
    /// 401, and 403 for anyone but the SIM.
    SimOnly: ("401", ""), ("403", "Not the SIM")
);
refusals!(
    /// 401, 403 and 404 of a change to a write-up, which only the review's
    /// lead makes.
    LeadOnly: ("401", ""),
        ("403", "The caller is not the lead reviewer of this review"),
        ("404", "No such year, no published plan or no such review")
);
refusals!(
    /// `HeadsOnly`, and 404 for a year that does not exist.
    HeadsOnlyOrNoYear: ("401", ""), ("403", "Not a head"), ("404", "No such year")
);
refusals!(
    /// `SimOnly`, and 404 for a year that does not exist.
    SimOnlyOrNoYear: ("401", ""), ("403", "Not the SIM"), ("404", "No such year")
);
