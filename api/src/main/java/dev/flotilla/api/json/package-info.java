/**
 * The API's JSON: Firecracker's wire shapes as records ({@link dev.flotilla.api.json.Bodies}), one strict mapper
 * ({@link dev.flotilla.api.json.Json}: unknown fields, coercions and duplicate keys refused, with messages naming
 * the field), and the two mappings, requests to validated config records
 * ({@link dev.flotilla.api.json.BodyMapper}) and fleet views back to JSON ({@link dev.flotilla.api.json.ViewMapper}).
 */
package dev.flotilla.api.json;
