"""What the channel layer holds, for the socket tests of every app."""

from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer


async def group_size(group):
    """How many channels the layer holds in a group (in memory or on Redis)."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        return len(layer.groups.get(group, {}))
    if isinstance(layer, RedisPubSubChannelLayer):  # production's
        loop_layer = layer._get_layer()
        name = loop_layer._get_group_channel_name(group)
        return len(loop_layer.groups.get(name, ()))
    connection = layer.connection(layer.consistent_hash(group))
    return await connection.zcard(layer._group_key(group))
