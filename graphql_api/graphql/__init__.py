"""The GraphQL layer: types, resolvers and extensions. Resolvers are thin: they call services."""
