// Placeholder until this stage's first source lands; delete it then.
