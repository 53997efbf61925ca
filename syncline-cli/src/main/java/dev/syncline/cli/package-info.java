/** The {@code syncline} command: server, token, client, demo and bench. */
package dev.syncline.cli;
