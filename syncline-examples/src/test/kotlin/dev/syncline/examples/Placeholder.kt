package dev.syncline.examples

internal object Placeholder
