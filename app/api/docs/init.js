// Renders /api/v1/openapi.json with Swagger UI, entirely from files served
// by the binary: no validator badge or other call leaves this server.
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayOperationId: true,
  persistAuthorization: false,
});
