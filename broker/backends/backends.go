package backends

import (
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/kafka"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/broker/mqtt"
	"github.com/intermw/intermw/broker/nats"
	"github.com/intermw/intermw/broker/rabbitmq"
)

// All returns every backend by the URL schemes it answers:
//
//	memory              in-process (the default)
//	amqp, amqps         RabbitMQ
//	kafka               Kafka (kafka://host:port,host2:port)
//	mqtt, mqtts, tcp    MQTT v5 (Mosquitto and others)
//	nats                NATS JetStream
//
// Each call returns a new map, so callers may add or remove entries.
func All() broker.Backends {
	return broker.Backends{
		"memory": memory.FromURL,
		"amqp":   rabbitmq.FromURL,
		"amqps":  rabbitmq.FromURL,
		"kafka":  kafka.FromURL,
		"mqtt":   mqtt.FromURL,
		"mqtts":  mqtt.FromURL,
		"tcp":    mqtt.FromURL,
		"nats":   nats.FromURL,
	}
}
