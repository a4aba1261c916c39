-- Temporal's own databases beside Momento's, created on the first start of the volume.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
