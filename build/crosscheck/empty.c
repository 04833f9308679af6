/* empty: darwin-cc compiles Objective-C sources as this */
