/** Syncline bench. */
package dev.syncline.bench;
