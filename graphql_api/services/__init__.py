"""Domain logic: async verbs over an AsyncSession. No Strawberry, no HTTP."""
