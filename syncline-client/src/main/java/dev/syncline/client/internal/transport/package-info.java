/**
 * What the client keeps about its transport beyond the wire: the token each request carries and
 * whether the server refused it. Not API.
 */
package dev.syncline.client.internal.transport;
