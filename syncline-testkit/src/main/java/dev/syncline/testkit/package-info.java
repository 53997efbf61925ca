/** Syncline testkit. */
package dev.syncline.testkit;
