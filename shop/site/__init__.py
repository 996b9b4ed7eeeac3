"""Site-wide pages that belong to no shop domain: health, robots, sitemap, favicon."""
