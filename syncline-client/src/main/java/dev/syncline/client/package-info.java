/** Syncline client. */
package dev.syncline.client;
