/**
 * Three-way, field-by-field merging of JSON documents against their common base, with per-field
 * rules ({@link dev.syncline.core.merge.FieldRules}). Used by the client's conflict resolution.
 */
package dev.syncline.core.merge;
