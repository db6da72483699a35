// virtmon's narrow interface to the RabbitMQ C client (librabbitmq.so.4, rabbitmq-c 0.11), which is loaded with
// dlopen at run time: the build needs no rabbitmq-c headers, and virtmon runs where the library is absent until
// an amqp:// address is configured. The library's structures stay inside the .c file; Swift sees plain values.
//
// Every call that can fail fills `error` (at most VM_AMQP_ERROR_BYTES, NUL-terminated) with what happened in
// words — the broker's reply code and text, or the library's status — and returns a negative value or NULL.
#ifndef CRABBITMQ_H
#define CRABBITMQ_H

#include <stddef.h>
#include <stdint.h>

#define VM_AMQP_ERROR_BYTES 512

/// One open connection with channel 1 open. Not thread-safe: one thread uses it at a time.
typedef struct vm_amqp vm_amqp;

/// Loads the library. Returns NULL when loaded, else why not (a static string).
const char *vm_amqp_load(void);

/// Connects, logs in with PLAIN and opens channel 1. `heartbeat_seconds` 0 disables heartbeats.
vm_amqp *vm_amqp_open(const char *host, int port, const char *user, const char *password, const char *vhost,
                      int heartbeat_seconds, int timeout_ms, char *error);

/// Closes the channel and the connection politely (when still open) and frees everything.
void vm_amqp_close(vm_amqp *connection);

/// The socket's descriptor, for poll(2).
int vm_amqp_fd(vm_amqp *connection);

/// exchange.declare; `type` is "topic", "direct", "fanout".
int vm_amqp_declare_exchange(vm_amqp *connection, const char *name, const char *type, int durable, int auto_delete,
                             char *error);

/// queue.declare with the arguments oslo.messaging and RabbitMQ use: `quorum` sets x-queue-type=quorum;
/// a non-empty `dead_letter_exchange` sets x-dead-letter-exchange (and `dead_letter_key` x-dead-letter-routing-key).
int vm_amqp_declare_queue(vm_amqp *connection, const char *name, int durable, int auto_delete, int quorum,
                          const char *dead_letter_exchange, const char *dead_letter_key, char *error);

int vm_amqp_bind(vm_amqp *connection, const char *queue, const char *exchange, const char *routing_key, char *error);

/// confirm.select: from now on every publish is confirmed by the broker.
int vm_amqp_confirm_select(vm_amqp *connection, char *error);

/// basic.publish, mandatory (an unroutable message comes back as basic.return instead of vanishing).
/// `header_name`/`header_value` add one string header when not NULL. Returns the publish's sequence number
/// (1, 2, … on a confirming channel) or a negative value.
int64_t vm_amqp_publish(vm_amqp *connection, const char *exchange, const char *routing_key, const void *body,
                        size_t length, int persistent, const char *content_type, const char *header_name,
                        const char *header_value, char *error);

/// What waiting for a publish's confirmation ended with.
typedef enum {
    VM_AMQP_CONFIRMED = 0,
    VM_AMQP_NACKED = 1,
    VM_AMQP_RETURNED = 2,
    VM_AMQP_TIMED_OUT = 3,
    VM_AMQP_FAILED = 4,
} vm_amqp_confirm;

/// Waits up to `timeout_ms` for the broker to confirm every publish up to `sequence`.
vm_amqp_confirm vm_amqp_wait_confirm(vm_amqp *connection, int64_t sequence, int timeout_ms, char *error);

/// basic.qos with a prefetch count, then basic.consume with manual acknowledgements.
int vm_amqp_consume(vm_amqp *connection, const char *queue, int prefetch, char *error);

/// One message handed to a consumer, copied out of the library's buffers.
typedef struct {
    uint64_t delivery_tag;
    int redelivered;
    /// The broker's x-delivery-count header (quorum queues), or -1.
    int64_t delivery_count;
    char *routing_key;
    char *exchange;
    char *content_type;
    /// The AMQP message-id property, or NULL.
    char *message_id;
    void *body;
    size_t length;
} vm_amqp_delivery;

/// Waits up to `timeout_ms` for the next delivery: 1 with `delivery` filled, 0 on timeout, negative on failure
/// (the connection is then unusable).
int vm_amqp_next(vm_amqp *connection, int timeout_ms, vm_amqp_delivery *delivery, char *error);

/// Frees what vm_amqp_next copied.
void vm_amqp_delivery_free(vm_amqp_delivery *delivery);

int vm_amqp_ack(vm_amqp *connection, uint64_t delivery_tag, char *error);
int vm_amqp_nack(vm_amqp *connection, uint64_t delivery_tag, int requeue, char *error);

#endif
