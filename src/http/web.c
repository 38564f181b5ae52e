/* The web pages: static files from web/ (the console, the customer portal
 * and the status page), HTML, CSS and JavaScript over the JSON API, served
 * by response_web_file (webfile.c). */
#include "http/resources.h"

int api_web_get(struct request *req, struct response *resp)
{
        return response_web_file(req, resp, req->params[0]);
}

int api_web_index(struct request *req, struct response *resp)
{
        return response_web_file(req, resp, "index.html");
}
