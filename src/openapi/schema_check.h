// Offline validation of a document against a CRD's openAPIV3Schema, as
// kube-apiserver applies a structural schema to a custom resource (with
// `kubectl --validate=strict` semantics for unknown fields): `validate` and
// `render` reject what the API server would, including inside the embedded
// Kubernetes types (resources, tolerations, env, envFrom) that decoding
// passes through unchecked.
//
// Checked: type (object, array, string, integer, number, boolean), nullable,
// x-kubernetes-int-or-string, anyOf/allOf (by their branches' type only),
// format int32/int64 (range), properties and unknown fields,
// additionalProperties (a schema, true or false),
// x-kubernetes-preserve-unknown-fields, x-kubernetes-embedded-resource,
// items, min/maxItems, min/maxLength (in code points), min/maxProperties,
// minimum/maximum with exclusiveMinimum/exclusiveMaximum, enum, pattern,
// required.
//
// Not checked: x-kubernetes-validations (CEL rules, done by hand in
// core/validate.cc), default (applied elsewhere), other formats, list and
// map types (uniqueness of list-map keys), and the ObjectMeta of the root or
// of an embedded resource when the schema declares `metadata` without
// properties (the API server validates ObjectMeta itself).
//
// Like the API server, a null object field that is not nullable is dropped
// before validation (a null list item is a type error), and an integral
// float (`1.0`, `1e3`) is an integer.
#pragma once

#include "document/field_error.h"
#include "document/value.h"

namespace mb::openapi {

// Checks `value` against `schema` (an openAPIV3Schema node as a document::Value) and
// appends one FieldError per violation to `errors`, with the JSON path of the
// offending field (`spec.backends[0].workers[1].resources.limts`; the root
// itself is the empty path) and the value's document::Mark when it has one.
// `value` is untrusted and never makes this throw; `schema` is trusted (a
// pattern that does not compile is skipped). Compiled patterns are cached
// for the life of the process; safe to call from several threads.
void checkSchema(const document::Value& schema, const document::Value& value, document::Errors& errors);

// What the API server does before it validates and stores an object:
// removes object fields that are null where the schema declares them and
// does not make them nullable (`limits: null`). Fields the schema does not
// declare (preserve-unknown content such as engine config) keep their nulls.
void pruneNulls(const document::Value& schema, document::Value& value);

}  // namespace mb::openapi
