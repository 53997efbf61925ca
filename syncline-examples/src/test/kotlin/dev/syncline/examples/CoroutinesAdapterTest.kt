package dev.syncline.examples

import com.fasterxml.jackson.module.kotlin.kotlinModule
import dev.syncline.client.EntityType
import dev.syncline.client.JsonMapping
import dev.syncline.client.Repository
import dev.syncline.client.SyncClient
import dev.syncline.server.SyncServer
import dev.syncline.server.Tokens
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.time.Clock
import java.time.Duration
import java.time.Instant

/** A Kotlin data class: no default constructor, so Jackson needs jackson-module-kotlin to read it. */
data class Take(val id: String, val teamId: String, val title: String, val recordedAt: Instant, val bpm: Int? = null)

/** The adapter, to copy into an app: a cold Flow per watch; cancelling the collector closes the token. */
fun <T> Repository<T>.changes(scope: String, id: String): Flow<T?> = callbackFlow {
    val token = watch(scope, id) { value -> trySend(value.orElse(null)) }
    awaitClose { token.close() }
}

/** Kotlin coroutines over the listener API, and Kotlin data classes synced between two replicas. */
class CoroutinesAdapterTest {
    @TempDir
    lateinit var dir: Path

    private val takes = EntityType.builder("take", Take::class.java).scope(Take::teamId).id(Take::id).build()
    private val secret = "examples-test-secret-0123456789abcdef".toByteArray()

    private fun replica(server: SyncServer, user: String): SyncClient = SyncClient.builder()
        .database(dir.resolve("$user.db"))
        .serverUrl(server.url())
        .token(Tokens.mint(secret, user, listOf("team-1"), Duration.ofHours(1), Clock.systemUTC()))
        .objectMapper(JsonMapping.defaults().addModule(kotlinModule()).build())
        .register(takes)
        .build()

    @Test
    fun dataClass_savedOnOneReplica_arrivesOnTheOther_throughACallbackFlow() = runBlocking {
        SyncServer.builder().port(0).dataDir(dir.resolve("server")).jwtSecret(secret).start().use { server ->
            replica(server, "alice").use { a ->
                replica(server, "bob").use { b ->
                    val take = Take("k1", "team-1", "First take", Instant.parse("2026-12-01T10:00:00Z"))
                    val mine = b.repository(Take::class.java)
                    assertThat(withTimeout(10_000) { mine.changes("team-1", "k1").first() }).isNull()

                    a.repository(Take::class.java).save(take)
                    a.sync()
                    b.sync()
                    val arrived = withTimeout(10_000) { mine.changes("team-1", "k1").first { it != null } }
                    assertThat(arrived).isEqualTo(take)
                    assertThat(arrived!!.bpm).isNull()
                }
            }
        }
    }
}
