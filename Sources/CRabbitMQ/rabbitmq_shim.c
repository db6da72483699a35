// Binds the RabbitMQ C client at run time (see CRabbitMQ.h). The structure declarations below are the ABI of
// rabbitmq-c 0.8–0.11 (librabbitmq.so.4), written out here so that the build needs no rabbitmq-c headers.
#include "CRabbitMQ.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

// ---- The library's ABI, as far as virtmon uses it ----

typedef int lib_boolean;
typedef uint16_t lib_channel;
typedef uint32_t lib_method_number;
typedef struct { size_t len; void *bytes; } lib_bytes;
struct lib_table_entry;
typedef struct { int num_entries; struct lib_table_entry *entries; } lib_table;
struct lib_field_value;
typedef struct { int num_entries; struct lib_field_value *entries; } lib_array;
typedef struct { uint8_t decimals; uint32_t value; } lib_decimal;
typedef struct lib_field_value {
    uint8_t kind;
    union {
        lib_boolean boolean; int8_t i8; uint8_t u8; int16_t i16; uint16_t u16; int32_t i32; uint32_t u32;
        int64_t i64; uint64_t u64; float f32; double f64; lib_decimal decimal; lib_bytes bytes; lib_table table;
        lib_array array;
    } value;
} lib_field_value;
typedef struct lib_table_entry { lib_bytes key; lib_field_value value; } lib_table_entry;
typedef struct { int num_blocks; void **blocklist; } lib_pool_blocklist;
typedef struct {
    size_t pagesize; lib_pool_blocklist pages; lib_pool_blocklist large_blocks; int next_page; char *alloc_block;
    size_t alloc_used;
} lib_pool;
typedef struct {
    uint32_t flags; lib_bytes content_type; lib_bytes content_encoding; lib_table headers; uint8_t delivery_mode;
    uint8_t priority; lib_bytes correlation_id; lib_bytes reply_to; lib_bytes expiration; lib_bytes message_id;
    uint64_t timestamp; lib_bytes type; lib_bytes user_id; lib_bytes app_id; lib_bytes cluster_id;
} lib_basic_properties;
typedef struct { lib_basic_properties properties; lib_bytes body; lib_pool pool; } lib_message;
typedef struct {
    lib_channel channel; lib_bytes consumer_tag; uint64_t delivery_tag; lib_boolean redelivered; lib_bytes exchange;
    lib_bytes routing_key; lib_message message;
} lib_envelope;
typedef struct { lib_method_number id; void *decoded; } lib_method;
typedef struct {
    uint8_t frame_type;
    lib_channel channel;
    union {
        lib_method method;
        struct { uint16_t class_id; uint64_t body_size; void *decoded; lib_bytes raw; } properties;
        lib_bytes body_fragment;
        struct { uint8_t a, b, c, d; } protocol_header;
    } payload;
} lib_frame;
typedef struct { int reply_type; lib_method reply; int library_error; } lib_rpc_reply;
// connection.close and channel.close share this shape.
typedef struct { uint16_t reply_code; lib_bytes reply_text; uint16_t class_id; uint16_t method_id; } lib_close;
typedef struct { uint16_t reply_code; lib_bytes reply_text; lib_bytes exchange; lib_bytes routing_key; } lib_return;
typedef struct { uint64_t delivery_tag; lib_boolean multiple; } lib_ack;
typedef struct { uint64_t delivery_tag; lib_boolean multiple; lib_boolean requeue; } lib_nack;

enum {
    RESPONSE_NONE = 0, RESPONSE_NORMAL = 1, RESPONSE_LIBRARY_EXCEPTION = 2, RESPONSE_SERVER_EXCEPTION = 3,
    STATUS_OK = 0, STATUS_TIMEOUT = -0x000D, STATUS_UNEXPECTED_STATE = -0x0010,
    FRAME_METHOD = 1,
    SASL_PLAIN = 0,
    FLAG_CONTENT_TYPE = 1 << 15, FLAG_HEADERS = 1 << 13, FLAG_DELIVERY_MODE = 1 << 12, FLAG_MESSAGE_ID = 1 << 7,
};
#define METHOD_CONNECTION_CLOSE 0x000A0032u
#define METHOD_CHANNEL_CLOSE 0x00140028u
#define METHOD_BASIC_RETURN 0x003C0032u
#define METHOD_BASIC_ACK 0x003C0050u
#define METHOD_BASIC_NACK 0x003C0078u

typedef void *lib_state;
typedef void *lib_socket;

static struct {
    lib_state (*new_connection)(void);
    lib_socket (*tcp_socket_new)(lib_state);
    int (*socket_open_noblock)(lib_socket, const char *, int, const struct timeval *);
    int (*socket_get_sockfd)(lib_socket);
    lib_socket (*get_socket)(lib_state);
    lib_rpc_reply (*login)(lib_state, const char *, int, int, int, int, ...);
    void *(*channel_open)(lib_state, lib_channel);
    lib_rpc_reply (*get_rpc_reply)(lib_state);
    void *(*confirm_select)(lib_state, lib_channel);
    void *(*exchange_declare)(lib_state, lib_channel, lib_bytes, lib_bytes, lib_boolean, lib_boolean, lib_boolean,
                              lib_boolean, lib_table);
    void *(*queue_declare)(lib_state, lib_channel, lib_bytes, lib_boolean, lib_boolean, lib_boolean, lib_boolean,
                           lib_table);
    void *(*queue_bind)(lib_state, lib_channel, lib_bytes, lib_bytes, lib_bytes, lib_table);
    int (*basic_publish)(lib_state, lib_channel, lib_bytes, lib_bytes, lib_boolean, lib_boolean,
                         const lib_basic_properties *, lib_bytes);
    void *(*basic_qos)(lib_state, lib_channel, uint32_t, uint16_t, lib_boolean);
    void *(*basic_consume)(lib_state, lib_channel, lib_bytes, lib_bytes, lib_boolean, lib_boolean, lib_boolean,
                           lib_table);
    lib_rpc_reply (*consume_message)(lib_state, lib_envelope *, const struct timeval *, int);
    void (*destroy_envelope)(lib_envelope *);
    lib_rpc_reply (*read_message)(lib_state, lib_channel, lib_message *, int);
    void (*destroy_message)(lib_message *);
    int (*basic_ack)(lib_state, lib_channel, uint64_t, lib_boolean);
    int (*basic_nack)(lib_state, lib_channel, uint64_t, lib_boolean, lib_boolean);
    int (*simple_wait_frame_noblock)(lib_state, lib_frame *, const struct timeval *);
    void (*maybe_release_buffers)(lib_state);
    lib_rpc_reply (*channel_close)(lib_state, lib_channel, int);
    lib_rpc_reply (*connection_close)(lib_state, int);
    int (*destroy_connection)(lib_state);
    const char *(*error_string2)(int);
    int (*set_rpc_timeout)(lib_state, const struct timeval *); // optional (0.9+)
    int (*set_handshake_timeout)(lib_state, const struct timeval *); // optional (0.9+)
} lib;

static const char *load_failure;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_text[VM_AMQP_ERROR_BYTES];

static void load_library(void) {
    void *handle = dlopen("librabbitmq.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_text, sizeof load_text,
                 "the RabbitMQ C client (librabbitmq.so.4) is not installed: %s; on Debian: apt install librabbitmq4",
                 dlerror());
        load_failure = load_text;
        return;
    }
#define BIND(field, symbol)                                                                                      \
    do {                                                                                                          \
        *(void **)(&lib.field) = dlsym(handle, symbol);                                                           \
        if (!lib.field) {                                                                                         \
            snprintf(load_text, sizeof load_text, "librabbitmq.so.4 lacks %s (rabbitmq-c 0.8 or newer is needed)", \
                     symbol);                                                                                     \
            load_failure = load_text;                                                                             \
            return;                                                                                               \
        }                                                                                                         \
    } while (0)
    BIND(new_connection, "amqp_new_connection");
    BIND(tcp_socket_new, "amqp_tcp_socket_new");
    BIND(socket_open_noblock, "amqp_socket_open_noblock");
    BIND(socket_get_sockfd, "amqp_socket_get_sockfd");
    BIND(get_socket, "amqp_get_socket");
    BIND(login, "amqp_login");
    BIND(channel_open, "amqp_channel_open");
    BIND(get_rpc_reply, "amqp_get_rpc_reply");
    BIND(confirm_select, "amqp_confirm_select");
    BIND(exchange_declare, "amqp_exchange_declare");
    BIND(queue_declare, "amqp_queue_declare");
    BIND(queue_bind, "amqp_queue_bind");
    BIND(basic_publish, "amqp_basic_publish");
    BIND(basic_qos, "amqp_basic_qos");
    BIND(basic_consume, "amqp_basic_consume");
    BIND(consume_message, "amqp_consume_message");
    BIND(destroy_envelope, "amqp_destroy_envelope");
    BIND(read_message, "amqp_read_message");
    BIND(destroy_message, "amqp_destroy_message");
    BIND(basic_ack, "amqp_basic_ack");
    BIND(basic_nack, "amqp_basic_nack");
    BIND(simple_wait_frame_noblock, "amqp_simple_wait_frame_noblock");
    BIND(maybe_release_buffers, "amqp_maybe_release_buffers");
    BIND(channel_close, "amqp_channel_close");
    BIND(connection_close, "amqp_connection_close");
    BIND(destroy_connection, "amqp_destroy_connection");
    BIND(error_string2, "amqp_error_string2");
#undef BIND
    *(void **)(&lib.set_rpc_timeout) = dlsym(handle, "amqp_set_rpc_timeout");
    *(void **)(&lib.set_handshake_timeout) = dlsym(handle, "amqp_set_handshake_timeout");
}

const char *vm_amqp_load(void) {
    pthread_once(&load_once, load_library);
    return load_failure;
}

// ---- Connections ----

struct vm_amqp {
    lib_state state;
    /// Publishes sent on the confirming channel so far (the broker numbers them 1, 2, …).
    int64_t published;
    /// The highest publish the broker has answered for, and whether any up to it was refused or returned.
    int64_t answered;
    int open;
};

static lib_bytes bytes_of(const char *text) {
    lib_bytes value = {text ? strlen(text) : 0, (void *)text};
    return value;
}

static void say(char *error, const char *format, ...) {
    if (!error) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error, VM_AMQP_ERROR_BYTES, format, arguments);
    va_end(arguments);
}

static struct timeval after_ms(int ms) {
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

/// Puts a failed reply into words: the broker's code and text, or the library's status.
static void describe_reply(lib_rpc_reply reply, const char *doing, char *error) {
    switch (reply.reply_type) {
    case RESPONSE_NONE:
        say(error, "%s: the broker closed the connection", doing);
        break;
    case RESPONSE_LIBRARY_EXCEPTION:
        say(error, "%s: %s", doing, lib.error_string2(reply.library_error));
        break;
    case RESPONSE_SERVER_EXCEPTION:
        if ((reply.reply.id == METHOD_CONNECTION_CLOSE || reply.reply.id == METHOD_CHANNEL_CLOSE) && reply.reply.decoded) {
            lib_close *close = reply.reply.decoded;
            say(error, "%s: the broker answered %u %.*s", doing, close->reply_code, (int)close->reply_text.len,
                (const char *)close->reply_text.bytes);
        } else {
            say(error, "%s: the broker answered with method 0x%08x", doing, reply.reply.id);
        }
        break;
    default:
        say(error, "%s: no answer", doing);
    }
}

/// After an RPC call: 0 when it succeeded, else -1 with the reason, and the connection marked unusable.
static int check(vm_amqp *connection, const char *doing, char *error) {
    lib_rpc_reply reply = lib.get_rpc_reply(connection->state);
    if (reply.reply_type == RESPONSE_NORMAL) return 0;
    describe_reply(reply, doing, error);
    connection->open = 0;
    return -1;
}

vm_amqp *vm_amqp_open(const char *host, int port, const char *user, const char *password, const char *vhost,
                      int heartbeat_seconds, int timeout_ms, char *error) {
    const char *failure = vm_amqp_load();
    if (failure) {
        say(error, "%s", failure);
        return NULL;
    }
    vm_amqp *connection = calloc(1, sizeof *connection);
    if (!connection) {
        say(error, "out of memory");
        return NULL;
    }
    connection->state = lib.new_connection();
    lib_socket socket = connection->state ? lib.tcp_socket_new(connection->state) : NULL;
    if (!socket) {
        say(error, "cannot make a socket for %s:%d", host, port);
        if (connection->state) lib.destroy_connection(connection->state);
        free(connection);
        return NULL;
    }
    struct timeval timeout = after_ms(timeout_ms);
    if (lib.set_rpc_timeout) lib.set_rpc_timeout(connection->state, &timeout);
    if (lib.set_handshake_timeout) lib.set_handshake_timeout(connection->state, &timeout);
    int status = lib.socket_open_noblock(socket, host, port, &timeout);
    if (status != STATUS_OK) {
        say(error, "cannot connect to %s:%d: %s", host, port, lib.error_string2(status));
        lib.destroy_connection(connection->state);
        free(connection);
        return NULL;
    }
    lib_rpc_reply reply = lib.login(connection->state, vhost, 0, 131072, heartbeat_seconds, SASL_PLAIN, user, password);
    if (reply.reply_type != RESPONSE_NORMAL) {
        char doing[256];
        snprintf(doing, sizeof doing, "logging in to %s:%d as '%s' on vhost '%s'", host, port, user, vhost);
        describe_reply(reply, doing, error);
        lib.destroy_connection(connection->state);
        free(connection);
        return NULL;
    }
    connection->open = 1;
    lib.channel_open(connection->state, 1);
    if (check(connection, "opening channel 1", error) != 0) {
        vm_amqp_close(connection);
        return NULL;
    }
    return connection;
}

void vm_amqp_close(vm_amqp *connection) {
    if (!connection) return;
    if (connection->open) {
        lib.channel_close(connection->state, 1, 200);
        lib.connection_close(connection->state, 200);
    }
    lib.destroy_connection(connection->state);
    free(connection);
}

int vm_amqp_fd(vm_amqp *connection) { return lib.socket_get_sockfd(lib.get_socket(connection->state)); }

int vm_amqp_declare_exchange(vm_amqp *connection, const char *name, const char *type, int durable, int auto_delete,
                             char *error) {
    lib_table none = {0, NULL};
    lib.exchange_declare(connection->state, 1, bytes_of(name), bytes_of(type), 0, durable, auto_delete, 0, none);
    char doing[320];
    snprintf(doing, sizeof doing, "declaring exchange '%s' (%s, durable %s, auto-delete %s)", name, type,
             durable ? "yes" : "no", auto_delete ? "yes" : "no");
    return check(connection, doing, error);
}

int vm_amqp_declare_queue(vm_amqp *connection, const char *name, int durable, int auto_delete, int quorum,
                          const char *dead_letter_exchange, const char *dead_letter_key, char *error) {
    lib_table_entry entries[3];
    int count = 0;
    if (quorum) {
        entries[count].key = bytes_of("x-queue-type");
        entries[count].value.kind = 'S';
        entries[count].value.value.bytes = bytes_of("quorum");
        count++;
    }
    if (dead_letter_exchange) {
        entries[count].key = bytes_of("x-dead-letter-exchange");
        entries[count].value.kind = 'S';
        entries[count].value.value.bytes = bytes_of(dead_letter_exchange);
        count++;
        if (dead_letter_key) {
            entries[count].key = bytes_of("x-dead-letter-routing-key");
            entries[count].value.kind = 'S';
            entries[count].value.value.bytes = bytes_of(dead_letter_key);
            count++;
        }
    }
    lib_table arguments = {count, count ? entries : NULL};
    lib.queue_declare(connection->state, 1, bytes_of(name), 0, durable, 0, auto_delete, arguments);
    char doing[320];
    snprintf(doing, sizeof doing, "declaring queue '%s' (durable %s, auto-delete %s, %s)", name,
             durable ? "yes" : "no", auto_delete ? "yes" : "no", quorum ? "quorum" : "classic");
    return check(connection, doing, error);
}

int vm_amqp_bind(vm_amqp *connection, const char *queue, const char *exchange, const char *routing_key, char *error) {
    lib_table none = {0, NULL};
    lib.queue_bind(connection->state, 1, bytes_of(queue), bytes_of(exchange), bytes_of(routing_key), none);
    char doing[320];
    snprintf(doing, sizeof doing, "binding queue '%s' to exchange '%s' with key '%s'", queue, exchange, routing_key);
    return check(connection, doing, error);
}

int vm_amqp_confirm_select(vm_amqp *connection, char *error) {
    lib.confirm_select(connection->state, 1);
    return check(connection, "turning on publisher confirms", error);
}

int64_t vm_amqp_publish(vm_amqp *connection, const char *exchange, const char *routing_key, const void *body,
                        size_t length, int persistent, const char *content_type, const char *header_name,
                        const char *header_value, char *error) {
    lib_basic_properties properties;
    memset(&properties, 0, sizeof properties);
    properties.flags = FLAG_CONTENT_TYPE | FLAG_DELIVERY_MODE;
    properties.content_type = bytes_of(content_type);
    properties.delivery_mode = persistent ? 2 : 1;
    lib_table_entry header;
    if (header_name && header_value) {
        header.key = bytes_of(header_name);
        header.value.kind = 'S';
        header.value.value.bytes = bytes_of(header_value);
        properties.flags |= FLAG_HEADERS;
        properties.headers.num_entries = 1;
        properties.headers.entries = &header;
    }
    lib_bytes content = {length, (void *)body};
    int status = lib.basic_publish(connection->state, 1, bytes_of(exchange), bytes_of(routing_key), 1, 0, &properties,
                                   content);
    if (status != STATUS_OK) {
        say(error, "publishing to exchange '%s' with key '%s': %s", exchange, routing_key, lib.error_string2(status));
        connection->open = 0;
        return -1;
    }
    return ++connection->published;
}

vm_amqp_confirm vm_amqp_wait_confirm(vm_amqp *connection, int64_t sequence, int timeout_ms, char *error) {
    struct timeval start;
    gettimeofday(&start, NULL);
    int returned = 0;
    char return_text[256] = "";
    while (connection->answered < sequence) {
        struct timeval now;
        gettimeofday(&now, NULL);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_usec - start.tv_usec) / 1000;
        if (elapsed >= timeout_ms) {
            say(error, "the broker did not confirm the publish within %d ms", timeout_ms);
            return VM_AMQP_TIMED_OUT;
        }
        struct timeval wait = after_ms(timeout_ms - (int)elapsed);
        lib_frame frame;
        int status = lib.simple_wait_frame_noblock(connection->state, &frame, &wait);
        if (status == STATUS_TIMEOUT) continue;
        if (status != STATUS_OK) {
            say(error, "waiting for the broker's confirmation: %s", lib.error_string2(status));
            connection->open = 0;
            return VM_AMQP_FAILED;
        }
        if (frame.frame_type != FRAME_METHOD) continue;
        switch (frame.payload.method.id) {
        case METHOD_BASIC_ACK: {
            lib_ack *ack = frame.payload.method.decoded;
            if ((int64_t)ack->delivery_tag > connection->answered) connection->answered = (int64_t)ack->delivery_tag;
            break;
        }
        case METHOD_BASIC_NACK: {
            lib_nack *nack = frame.payload.method.decoded;
            if ((int64_t)nack->delivery_tag >= sequence) {
                connection->answered = (int64_t)nack->delivery_tag;
                say(error, "the broker refused the message (basic.nack): it could not store it");
                return VM_AMQP_NACKED;
            }
            break;
        }
        case METHOD_BASIC_RETURN: {
            lib_return *back = frame.payload.method.decoded;
            snprintf(return_text, sizeof return_text, "%u %.*s: no queue is bound to exchange '%.*s' for key '%.*s'",
                     back->reply_code, (int)back->reply_text.len, (const char *)back->reply_text.bytes,
                     (int)back->exchange.len, (const char *)back->exchange.bytes, (int)back->routing_key.len,
                     (const char *)back->routing_key.bytes);
            returned = 1;
            // The returned message's header and body follow the method; read them so the next frame is clean.
            lib_message message;
            lib_rpc_reply reply = lib.read_message(connection->state, 1, &message, 0);
            if (reply.reply_type == RESPONSE_NORMAL) lib.destroy_message(&message);
            break;
        }
        case METHOD_CHANNEL_CLOSE:
        case METHOD_CONNECTION_CLOSE: {
            lib_close *close = frame.payload.method.decoded;
            say(error, "the broker closed the %s: %u %.*s",
                frame.payload.method.id == METHOD_CHANNEL_CLOSE ? "channel" : "connection", close->reply_code,
                (int)close->reply_text.len, (const char *)close->reply_text.bytes);
            connection->open = 0;
            return VM_AMQP_FAILED;
        }
        default:
            break;
        }
    }
    if (returned) {
        say(error, "the broker returned the message: %s", return_text);
        return VM_AMQP_RETURNED;
    }
    return VM_AMQP_CONFIRMED;
}

int vm_amqp_consume(vm_amqp *connection, const char *queue, int prefetch, char *error) {
    lib.basic_qos(connection->state, 1, 0, (uint16_t)(prefetch > 65535 ? 65535 : prefetch), 0);
    if (check(connection, "setting the prefetch count", error) != 0) return -1;
    lib_table none = {0, NULL};
    lib.basic_consume(connection->state, 1, bytes_of(queue), bytes_of(""), 0, 0, 0, none);
    char doing[320];
    snprintf(doing, sizeof doing, "consuming from queue '%s'", queue);
    return check(connection, doing, error);
}

static char *copy_text(lib_bytes bytes) {
    char *text = malloc(bytes.len + 1);
    if (!text) return NULL;
    if (bytes.len) memcpy(text, bytes.bytes, bytes.len);
    text[bytes.len] = 0;
    return text;
}

static int64_t integer_header(const lib_table *headers, const char *name) {
    size_t length = strlen(name);
    for (int i = 0; i < headers->num_entries; i++) {
        const lib_table_entry *entry = &headers->entries[i];
        if (entry->key.len != length || memcmp(entry->key.bytes, name, length) != 0) continue;
        switch (entry->value.kind) {
        case 'b': return entry->value.value.i8;
        case 'B': return entry->value.value.u8;
        case 's': return entry->value.value.i16;
        case 'u': return entry->value.value.u16;
        case 'I': return entry->value.value.i32;
        case 'i': return entry->value.value.u32;
        case 'l': return entry->value.value.i64;
        case 'L': return (int64_t)entry->value.value.u64;
        default: return -1;
        }
    }
    return -1;
}

int vm_amqp_next(vm_amqp *connection, int timeout_ms, vm_amqp_delivery *delivery, char *error) {
    memset(delivery, 0, sizeof *delivery);
    lib.maybe_release_buffers(connection->state);
    lib_envelope envelope;
    struct timeval timeout = after_ms(timeout_ms);
    lib_rpc_reply reply = lib.consume_message(connection->state, &envelope, &timeout, 0);
    if (reply.reply_type == RESPONSE_NORMAL) {
        lib_basic_properties *properties = &envelope.message.properties;
        delivery->delivery_tag = envelope.delivery_tag;
        delivery->redelivered = envelope.redelivered;
        delivery->delivery_count =
            (properties->flags & FLAG_HEADERS) ? integer_header(&properties->headers, "x-delivery-count") : -1;
        delivery->routing_key = copy_text(envelope.routing_key);
        delivery->exchange = copy_text(envelope.exchange);
        delivery->content_type = (properties->flags & FLAG_CONTENT_TYPE) ? copy_text(properties->content_type) : NULL;
        delivery->message_id = (properties->flags & FLAG_MESSAGE_ID) ? copy_text(properties->message_id) : NULL;
        delivery->length = envelope.message.body.len;
        delivery->body = malloc(delivery->length ? delivery->length : 1);
        if (delivery->body && delivery->length) memcpy(delivery->body, envelope.message.body.bytes, delivery->length);
        lib.destroy_envelope(&envelope);
        if (!delivery->body || !delivery->routing_key || !delivery->exchange) {
            vm_amqp_delivery_free(delivery);
            say(error, "out of memory copying a delivery");
            return -1;
        }
        return 1;
    }
    if (reply.reply_type == RESPONSE_LIBRARY_EXCEPTION && reply.library_error == STATUS_TIMEOUT) return 0;
    if (reply.reply_type == RESPONSE_LIBRARY_EXCEPTION && reply.library_error == STATUS_UNEXPECTED_STATE) {
        // Something other than a delivery is waiting: read it. A close ends the connection; anything else
        // (a stray confirmation) is dropped.
        lib_frame frame;
        struct timeval now = after_ms(1000);
        int status = lib.simple_wait_frame_noblock(connection->state, &frame, &now);
        if (status == STATUS_TIMEOUT) return 0;
        if (status != STATUS_OK) {
            say(error, "reading from the broker: %s", lib.error_string2(status));
            connection->open = 0;
            return -1;
        }
        if (frame.frame_type == FRAME_METHOD &&
            (frame.payload.method.id == METHOD_CHANNEL_CLOSE || frame.payload.method.id == METHOD_CONNECTION_CLOSE)) {
            lib_close *close = frame.payload.method.decoded;
            say(error, "the broker closed the %s: %u %.*s",
                frame.payload.method.id == METHOD_CHANNEL_CLOSE ? "channel" : "connection", close->reply_code,
                (int)close->reply_text.len, (const char *)close->reply_text.bytes);
            connection->open = 0;
            return -1;
        }
        return 0;
    }
    describe_reply(reply, "waiting for messages", error);
    connection->open = 0;
    return -1;
}

void vm_amqp_delivery_free(vm_amqp_delivery *delivery) {
    free(delivery->routing_key);
    free(delivery->exchange);
    free(delivery->content_type);
    free(delivery->message_id);
    free(delivery->body);
    memset(delivery, 0, sizeof *delivery);
}

int vm_amqp_ack(vm_amqp *connection, uint64_t delivery_tag, char *error) {
    int status = lib.basic_ack(connection->state, 1, delivery_tag, 0);
    if (status == STATUS_OK) return 0;
    say(error, "acknowledging delivery %llu: %s", (unsigned long long)delivery_tag, lib.error_string2(status));
    connection->open = 0;
    return -1;
}

int vm_amqp_nack(vm_amqp *connection, uint64_t delivery_tag, int requeue, char *error) {
    int status = lib.basic_nack(connection->state, 1, delivery_tag, 0, requeue);
    if (status == STATUS_OK) return 0;
    say(error, "returning delivery %llu to the queue: %s", (unsigned long long)delivery_tag, lib.error_string2(status));
    connection->open = 0;
    return -1;
}
